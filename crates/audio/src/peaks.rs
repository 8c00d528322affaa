//! Waveform peaks for the player: the recording split into equal slices, each drawn as a bar from
//! its lowest to its highest sample.

use serde::{Deserialize, Serialize};

use crate::decode::Levels;

/// Bars the player draws by default: enough for a wide screen, small enough to send with a page.
pub const DEFAULT_PEAKS: usize = 1000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Waveform {
    /// Length of the recording each bar stands for.
    pub seconds_per_peak: f64,
    /// `[min, max]` per bar, full scale ±1, to three decimals.
    pub peaks: Vec<[f32; 2]>,
}

/// At most `bars` min/max pairs over all channels; fewer when the recording has fewer frames.
pub fn waveform(levels: &Levels, bars: usize) -> Waveform {
    let frames = levels.frames();
    let bars = bars.min(frames).max(1);
    let mut peaks = Vec::with_capacity(bars);
    if frames == 0 {
        return Waveform {
            seconds_per_peak: 0.0,
            peaks,
        };
    }
    for b in 0..bars {
        let (from, to) = (
            b * frames / bars,
            ((b + 1) * frames / bars).max(b * frames / bars + 1),
        );
        let mut lo = f32::MAX;
        let mut hi = f32::MIN;
        for c in 0..levels.channels() {
            for f in from..to.min(frames) {
                lo = lo.min(levels.min[c][f]);
                hi = hi.max(levels.max[c][f]);
            }
        }
        peaks.push([thousandths(lo), thousandths(hi)]);
    }
    Waveform {
        seconds_per_peak: levels.duration_s() / bars as f64,
        peaks,
    }
}

fn thousandths(x: f32) -> f32 {
    (x.clamp(-1.0, 1.0) * 1000.0).round() / 1000.0
}
