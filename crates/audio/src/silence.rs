//! Silence detection. Each 10 ms frame's peak level is compared with a threshold (−40 dBFS by
//! default); a run of quiet frames lasting at least the minimum duration (3 s by default) is a
//! silence. On a stereo recording, where caller and call handler are often on separate channels,
//! each channel is analysed on its own and a silence of the call is where every channel is quiet.
//!
//! Line noise can sit above a fixed threshold and hide every silence. The adaptive noise floor
//! handles that: the floor is the level that the quietest 5% of frames stay under, and when the
//! floor plus a 6 dB margin is above the threshold, the threshold is raised to it, but never
//! above −20 dBFS, where speech begins. On a clean recording the floor is far below the threshold
//! and nothing changes.

use serde::{Deserialize, Serialize};

use crate::decode::Levels;

/// The quietest share of frames taken as the line's noise.
const FLOOR_PERCENTILE: f64 = 0.05;
/// How far above the noise floor a frame must be to count as sound.
const FLOOR_MARGIN_DB: f64 = 6.0;
/// The adaptive threshold never rises above this: louder than this is speech, not line noise.
const ADAPTIVE_CEILING_DB: f64 = -20.0;
/// Levels are reported no lower than this; digital silence would otherwise be minus infinity.
const FLOOR_DB: f64 = -120.0;

/// What counts as a silence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Frames whose peak stays below this level (dBFS) are quiet.
    pub threshold_db: f64,
    /// A quiet run shorter than this is a pause, not a silence.
    pub min_seconds: f64,
    /// Raise the threshold above a noisy line's floor.
    pub adaptive: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            threshold_db: -40.0,
            min_seconds: 3.0,
            adaptive: true,
        }
    }
}

impl Settings {
    /// Refuses settings that cannot describe a silence, saying what would be accepted.
    pub fn check(&self) -> Result<(), String> {
        if !(self.threshold_db.is_finite() && (-120.0..=0.0).contains(&self.threshold_db)) {
            return Err(format!(
                "threshold {} dB is out of range; expected a level from -120 to 0 dBFS",
                self.threshold_db
            ));
        }
        if !(self.min_seconds.is_finite() && self.min_seconds > 0.0 && self.min_seconds <= 3600.0) {
            return Err(format!(
                "minimum silence {} s is out of range; expected more than 0 and at most 3600 seconds",
                self.min_seconds
            ));
        }
        Ok(())
    }
}

/// A stretch of the recording, in seconds from its start, to the millisecond.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub start_s: f64,
    pub end_s: f64,
}

impl Interval {
    fn new(start_s: f64, end_s: f64) -> Self {
        Self {
            start_s: millis(start_s),
            end_s: millis(end_s),
        }
    }

    pub fn duration_s(&self) -> f64 {
        self.end_s - self.start_s
    }
}

/// One channel's silences, for recorders that keep caller and handler apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelSilences {
    /// Counted from 1, as a listener would.
    pub channel: usize,
    pub silences: Vec<Interval>,
    pub silence_s: f64,
}

/// The findings for one recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub duration_s: f64,
    pub sample_rate: u32,
    pub channels: usize,
    pub codec: String,
    /// The threshold asked for.
    pub threshold_db: f64,
    /// The threshold used, after the adaptive noise floor.
    pub effective_threshold_db: f64,
    pub noise_floor_db: f64,
    pub min_seconds: f64,
    /// Where every channel is quiet for at least `min_seconds`.
    pub silences: Vec<Interval>,
    /// Time with sound above the threshold on any channel.
    pub talk_s: f64,
    /// Total length of `silences`; short pauses count toward neither this nor talk.
    pub silence_s: f64,
    pub longest_silence_s: f64,
    /// Each channel's own silences; empty for mono recordings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub per_channel: Vec<ChannelSilences>,
}

/// Finds the silences in a decoded recording.
pub fn analyse(levels: &Levels, settings: &Settings) -> Analysis {
    let frames = levels.frames();
    let channels = levels.channels();
    // The loudest channel decides whether the call as a whole is quiet in a frame.
    let mix: Vec<f32> = (0..frames)
        .map(|f| (0..channels).map(|c| levels.peak(c, f)).fold(0.0, f32::max))
        .collect();
    let noise_floor_db = noise_floor(&mix);
    let mut effective = settings.threshold_db;
    if settings.adaptive {
        let raised = (noise_floor_db + FLOOR_MARGIN_DB).min(ADAPTIVE_CEILING_DB);
        effective = effective.max(raised);
    }
    let limit = 10f64.powf(effective / 20.0) as f32;

    let silences = runs(levels, |f| mix[f] < limit, settings.min_seconds);
    let talk_s: f64 = (0..frames)
        .filter(|&f| mix[f] >= limit)
        .map(|f| levels.frame_start_s(f + 1) - levels.frame_start_s(f))
        .sum();
    let per_channel = if channels > 1 {
        (0..channels)
            .map(|c| {
                let silences = runs(levels, |f| levels.peak(c, f) < limit, settings.min_seconds);
                ChannelSilences {
                    channel: c + 1,
                    silence_s: total(&silences),
                    silences,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    Analysis {
        duration_s: millis(levels.duration_s()),
        sample_rate: levels.sample_rate,
        channels,
        codec: levels.codec.clone(),
        threshold_db: settings.threshold_db,
        effective_threshold_db: tenths(effective),
        noise_floor_db: tenths(noise_floor_db),
        min_seconds: settings.min_seconds,
        silence_s: total(&silences),
        longest_silence_s: millis(
            silences
                .iter()
                .map(Interval::duration_s)
                .fold(0.0, f64::max),
        ),
        talk_s: millis(talk_s),
        silences,
        per_channel,
    }
}

/// Runs of quiet frames at least `min_seconds` long.
fn runs(levels: &Levels, quiet: impl Fn(usize) -> bool, min_seconds: f64) -> Vec<Interval> {
    let frames = levels.frames();
    let mut found = Vec::new();
    let mut start = None;
    for f in 0..=frames {
        let is_quiet = f < frames && quiet(f);
        match (is_quiet, start) {
            (true, None) => start = Some(f),
            (false, Some(s)) => {
                let (from, to) = (levels.frame_start_s(s), levels.frame_start_s(f));
                // Half a millisecond of slack: a 3 s silence measured in frames is 2.99999… s.
                if to - from + 0.0005 >= min_seconds {
                    found.push(Interval::new(from, to));
                }
                start = None;
            }
            _ => {}
        }
    }
    found
}

fn noise_floor(mix: &[f32]) -> f64 {
    if mix.is_empty() {
        return FLOOR_DB;
    }
    // Only one rank is needed: selecting it is linear, where sorting an hour's frames is not.
    let mut levels = mix.to_vec();
    let at = ((levels.len() - 1) as f64 * FLOOR_PERCENTILE).round() as usize;
    let (_, floor, _) = levels.select_nth_unstable_by(at, f32::total_cmp);
    to_db(*floor)
}

/// A linear amplitude in dBFS, no lower than the reporting floor.
pub fn to_db(amplitude: f32) -> f64 {
    if amplitude <= 0.0 {
        return FLOOR_DB;
    }
    (20.0 * f64::from(amplitude).log10()).max(FLOOR_DB)
}

fn total(silences: &[Interval]) -> f64 {
    millis(silences.iter().map(Interval::duration_s).sum())
}

fn millis(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn tenths(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
