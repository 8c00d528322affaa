//! Decoding: any recording the decoder understands becomes, per channel, the lowest and highest
//! sample of each 10 ms frame. Every analysis (silences, talk time, waveform) needs only that, so
//! a recording is decoded once and an hour of audio shrinks to a few megabytes.

use std::{fs::File, io, path::Path};

use symphonia::core::{
    audio::{Audio, AudioBuffer, GenericAudioBufferRef, conv::IntoSample, sample::Sample},
    codecs::audio::AudioCodecParameters,
    codecs::{CodecParameters, audio::AudioDecoderOptions},
    errors::Error as DecodeFailure,
    formats::{FormatOptions, FormatReader, SeekMode, SeekTo, TrackType, probe::Hint},
    io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions},
    meta::MetadataOptions,
};

/// Length of one analysis frame. Silence boundaries are reported to this precision, well inside
/// the 50 ms a listener can tell apart when jumping to a silence.
pub const FRAME_SECONDS: f64 = 0.01;

/// Call recorders write mono or stereo; anything wider is not a call recording.
pub const MAX_CHANNELS: usize = 8;

/// Damaged packets tolerated before the recording is refused. An MP3 stream often starts with a
/// frame or two that refer to data before the file began; players skip those and so do we.
const TOLERATED_BAD_PACKETS: usize = 2;

/// Why a recording could not be analysed, worded for the person who supplied it.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("cannot read {path}: {source}")]
    Open { path: String, source: io::Error },
    #[error(
        "not a recording this tool can read ({0}); expected WAV (PCM, float, µ-law or A-law), MP3, FLAC or Ogg Vorbis"
    )]
    Unrecognised(String),
    #[error("the file holds no audio stream; expected a call recording")]
    NoAudioTrack,
    #[error(
        "its audio codec cannot be decoded ({0}); expected PCM, float, µ-law, A-law, MP3, FLAC or Vorbis"
    )]
    Unsupported(String),
    #[error("the recording is damaged at {at_s:.2} s ({detail}); re-export it from the recorder")]
    Corrupt { at_s: f64, detail: String },
    #[error(
        "the recording is cut short: its header promises {expected_s:.2} s but the file holds {found_s:.2} s; re-export it from the recorder"
    )]
    Truncated { expected_s: f64, found_s: f64 },
    #[error("the recording holds no audio samples")]
    Empty,
    #[error("the recording has {0} channels; expected mono or stereo (at most 8 channels)")]
    TooManyChannels(usize),
}

/// A decoded recording, reduced to what the analyses need.
#[derive(Debug, Clone, PartialEq)]
pub struct Levels {
    pub sample_rate: u32,
    /// Samples per channel in one analysis frame.
    pub frame_len: usize,
    /// Samples per channel in the whole recording.
    pub samples: u64,
    /// The decoder's name for the codec, e.g. `pcm_mulaw` or `mp3`.
    pub codec: String,
    /// `min[channel][frame]`: the lowest sample of the frame, full scale being ±1.
    pub min: Vec<Vec<f32>>,
    /// `max[channel][frame]`: the highest sample of the frame.
    pub max: Vec<Vec<f32>>,
}

impl Levels {
    pub fn channels(&self) -> usize {
        self.min.len()
    }

    pub fn frames(&self) -> usize {
        self.min.first().map_or(0, Vec::len)
    }

    pub fn duration_s(&self) -> f64 {
        self.samples as f64 / f64::from(self.sample_rate)
    }

    /// Where frame `i` starts, in seconds; `i == frames()` gives the end of the recording.
    pub fn frame_start_s(&self, i: usize) -> f64 {
        let sample = (i as u64 * self.frame_len as u64).min(self.samples);
        sample as f64 / f64::from(self.sample_rate)
    }

    /// The frame's peak level as a linear amplitude: the larger of its highest and lowest sample.
    pub fn peak(&self, channel: usize, frame: usize) -> f32 {
        self.max[channel][frame]
            .abs()
            .max(self.min[channel][frame].abs())
    }
}

/// Decodes a recording file. `path`'s extension is a hint only; the content decides the format.
/// A long WAV recording is decoded in parallel parts, one per core.
pub fn decode_file(path: &Path) -> Result<Levels, AudioError> {
    let open = || -> Result<Box<dyn MediaSource>, AudioError> {
        let file = File::open(path).map_err(|source| AudioError::Open {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Box::new(file))
    };
    let ext = path.extension().and_then(|e| e.to_str());
    guarded(|| decode(&open, ext, true))
}

/// Decodes a recording held in memory (an upload, or a fuzzer's input).
pub fn decode_bytes(bytes: Vec<u8>, extension: Option<&str>) -> Result<Levels, AudioError> {
    let cell = std::sync::Mutex::new(Some(bytes));
    let open = || -> Result<Box<dyn MediaSource>, AudioError> {
        let bytes = cell
            .lock()
            .ok()
            .and_then(|mut b| b.take())
            .unwrap_or_default();
        Ok(Box::new(io::Cursor::new(bytes)))
    };
    guarded(|| decode(&open, extension, false))
}

/// The decoders are written to refuse bad input with an error, but a few header fields still
/// reach arithmetic that overflows (in debug builds) on crafted files. A damaged recording must
/// give the user an error, never take the process down, so a panic inside is caught here.
fn guarded(f: impl FnOnce() -> Result<Levels, AudioError>) -> Result<Levels, AudioError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(AudioError::Corrupt {
            at_s: 0.0,
            detail: "the decoder could not make sense of its header".into(),
        })
    })
}

/// A recording opened and its audio track found.
struct Opened {
    format: Box<dyn FormatReader>,
    track_id: u32,
    /// Frames the header promises, if it says.
    declared: Option<u64>,
    params: AudioCodecParameters,
    /// Timestamps count frames (true for WAV), so a seek lands on an exact frame.
    frame_timestamps: bool,
}

fn open(source: Box<dyn MediaSource>, extension: Option<&str>) -> Result<Opened, AudioError> {
    let stream = MediaSourceStream::new(source, MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    if let Some(ext) = extension {
        hint.with_extension(ext);
    }
    let format = symphonia::default::get_probe()
        .probe(
            &hint,
            stream,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| AudioError::Unrecognised(e.to_string()))?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or(AudioError::NoAudioTrack)?;
    let track_id = track.id;
    let declared = track.num_frames;
    let Some(CodecParameters::Audio(params)) = track.codec_params.clone() else {
        return Err(AudioError::NoAudioTrack);
    };
    let frame_timestamps = match (track.time_base, params.sample_rate) {
        (Some(tb), Some(rate)) => tb.numer.get() == 1 && tb.denom.get() == rate,
        _ => false,
    };
    if let Some(channels) = &params.channels
        && channels.count() > MAX_CHANNELS
    {
        return Err(AudioError::TooManyChannels(channels.count()));
    }
    Ok(Opened {
        format,
        track_id,
        declared,
        params,
        frame_timestamps,
    })
}

/// Shortest stretch worth a thread of its own: below this, opening the file again costs more
/// than the thread saves.
const MIN_PART_SECONDS: u64 = 60;

fn decode(
    open_source: &(dyn Fn() -> Result<Box<dyn MediaSource>, AudioError> + Sync),
    extension: Option<&str>,
    may_split: bool,
) -> Result<Levels, AudioError> {
    let opened = open(open_source()?, extension)?;
    let declared = opened.declared;
    let rate = opened.params.sample_rate.unwrap_or(0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    // Only PCM in WAV is split: its seeks are exact to the frame. Compressed formats need the
    // decoder's state from before the seek point.
    let splittable = may_split
        && opened.frame_timestamps
        && rate > 0
        && symphonia::default::get_codecs()
            .make_audio_decoder(&opened.params, &AudioDecoderOptions::default())
            .is_ok_and(|d| d.codec_info().short_name.starts_with("pcm"));
    let parts = match declared {
        Some(frames) if splittable => {
            (frames / (MIN_PART_SECONDS * u64::from(rate))).clamp(1, cores as u64) as usize
        }
        _ => 1,
    };
    let (acc, codec) = if parts <= 1 {
        run(opened, None)?
    } else {
        let total = declared.unwrap_or(0);
        let frame_len = frame_len(rate) as u64;
        // Boundaries on whole analysis frames, so the parts join without a seam.
        let bounds: Vec<u64> = (0..=parts)
            .map(|i| {
                if i == parts {
                    total
                } else {
                    total * i as u64 / parts as u64 / frame_len * frame_len
                }
            })
            .collect();
        let mut first = Some(opened);
        let results: Vec<Result<(Option<Accumulator>, String), AudioError>> =
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..parts)
                    .map(|i| {
                        let range = bounds[i]..bounds[i + 1];
                        let reuse = first.take();
                        scope.spawn(move || {
                            let opened = match reuse {
                                Some(o) => o,
                                None => open(open_source()?, extension)?,
                            };
                            run(opened, Some(range))
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(AudioError::Corrupt {
                                at_s: 0.0,
                                detail: "the decoder stopped unexpectedly".into(),
                            })
                        })
                    })
                    .collect()
            });
        let mut merged: Option<Accumulator> = None;
        let mut codec = String::new();
        for (result, &end) in results.into_iter().zip(&bounds[1..]) {
            let (part, name) = result?;
            codec = name;
            // Parts are joined while each is whole. A part that comes up short (a cut-short
            // file) ends the join, and the whole is then judged against the header below.
            let Some(part) = part else { break };
            match &mut merged {
                Some(m) => m.append(part),
                None => merged = Some(part),
            }
            if merged.as_ref().is_some_and(|m| m.samples < end) {
                break;
            }
        }
        (merged, codec)
    };
    let acc = acc.ok_or(AudioError::Empty)?;
    let levels = acc.finish(codec);
    if let Some(declared) = declared {
        // Decoders may drop or pad a few hundred samples at the ends; only a real shortfall
        // (a tenth of a second, or 1% of the promise) is a cut-short file.
        let slack = (u64::from(levels.sample_rate) / 10).max(declared / 100);
        if levels.samples + slack < declared {
            return Err(AudioError::Truncated {
                expected_s: declared as f64 / f64::from(levels.sample_rate),
                found_s: levels.duration_s(),
            });
        }
    }
    Ok(levels)
}

/// Decodes the whole track, or only the frames of `range` (counted from the start).
fn run(
    mut opened: Opened,
    range: Option<std::ops::Range<u64>>,
) -> Result<(Option<Accumulator>, String), AudioError> {
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&opened.params, &AudioDecoderOptions::default())
        .map_err(|e| AudioError::Unsupported(e.to_string()))?;
    let codec = decoder.codec_info().short_name.to_string();
    if let Some(r) = &range
        && r.start > 0
    {
        let ts = i64::try_from(r.start).unwrap_or(i64::MAX);
        opened
            .format
            .seek(
                SeekMode::Accurate,
                SeekTo::Timestamp {
                    ts: ts.into(),
                    track_id: opened.track_id,
                },
            )
            .map_err(|e| AudioError::Corrupt {
                at_s: r.start as f64 / f64::from(opened.params.sample_rate.unwrap_or(1)),
                detail: e.to_string(),
            })?;
        decoder.reset();
    }
    let mut acc: Option<Accumulator> = None;
    let mut bad_packets = 0;
    loop {
        let packet = match opened.format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            // Some demuxers report the end of a stream as an unexpected end of file; whether the
            // stream really ended early is judged against the header's promise.
            Err(DecodeFailure::IoError(e)) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(corrupt(&acc, e)),
        };
        if packet.track_id != opened.track_id {
            continue;
        }
        let first_frame = u64::try_from(packet.pts.get()).unwrap_or(0);
        if let Some(r) = &range
            && first_frame >= r.end
        {
            break;
        }
        let buffer = match decoder.decode(&packet) {
            Ok(buffer) => buffer,
            Err(DecodeFailure::DecodeError(_)) if bad_packets < TOLERATED_BAD_PACKETS => {
                bad_packets += 1;
                continue;
            }
            Err(e) => return Err(corrupt(&acc, e)),
        };
        let n = buffer.frames();
        if n == 0 {
            continue;
        }
        let (from, to) = match &range {
            None => (0, n),
            Some(r) => (
                (r.start.saturating_sub(first_frame) as usize).min(n),
                (r.end.saturating_sub(first_frame) as usize).min(n),
            ),
        };
        if from >= to {
            continue;
        }
        let acc = match &mut acc {
            Some(acc) => acc,
            None => {
                let spec = buffer.spec();
                let channels = buffer.num_planes();
                if channels > MAX_CHANNELS {
                    return Err(AudioError::TooManyChannels(channels));
                }
                if channels == 0 || spec.rate() == 0 {
                    return Err(AudioError::Empty);
                }
                acc.insert(Accumulator::new(spec.rate(), channels))
            }
        };
        acc.feed_generic(&buffer, from, to);
    }
    Ok((acc, codec))
}

fn corrupt(acc: &Option<Accumulator>, e: DecodeFailure) -> AudioError {
    let at_s = acc
        .as_ref()
        .map_or(0.0, |a| a.samples as f64 / f64::from(a.rate));
    AudioError::Corrupt {
        at_s,
        detail: e.to_string(),
    }
}

/// Samples per analysis frame at `rate`.
fn frame_len(rate: u32) -> usize {
    ((f64::from(rate) * FRAME_SECONDS).round() as usize).max(1)
}

/// Folds decoded buffers into frames. Buffers and frames do not line up, so a frame may be
/// completed across several buffers.
struct Accumulator {
    rate: u32,
    frame_len: usize,
    /// Samples already folded into the frame being built.
    filled: usize,
    samples: u64,
    current_min: Vec<f32>,
    current_max: Vec<f32>,
    min: Vec<Vec<f32>>,
    max: Vec<Vec<f32>>,
}

impl Accumulator {
    fn new(rate: u32, channels: usize) -> Self {
        let frame_len = frame_len(rate);
        Self {
            rate,
            frame_len,
            filled: 0,
            samples: 0,
            current_min: vec![0.0; channels],
            current_max: vec![0.0; channels],
            min: vec![Vec::new(); channels],
            max: vec![Vec::new(); channels],
        }
    }

    /// Folds frames `from..to` of a decoded buffer.
    fn feed_generic(&mut self, buffer: &GenericAudioBufferRef<'_>, from: usize, to: usize) {
        match buffer {
            GenericAudioBufferRef::U8(b) => self.feed(b, from, to),
            GenericAudioBufferRef::U16(b) => self.feed(b, from, to),
            GenericAudioBufferRef::U24(b) => self.feed(b, from, to),
            GenericAudioBufferRef::U32(b) => self.feed(b, from, to),
            GenericAudioBufferRef::S8(b) => self.feed(b, from, to),
            GenericAudioBufferRef::S16(b) => self.feed(b, from, to),
            GenericAudioBufferRef::S24(b) => self.feed(b, from, to),
            GenericAudioBufferRef::S32(b) => self.feed(b, from, to),
            GenericAudioBufferRef::F32(b) => self.feed(b, from, to),
            GenericAudioBufferRef::F64(b) => self.feed(b, from, to),
        }
    }

    /// Joins the frames of the part that follows this one. This part must end on a whole frame.
    fn append(&mut self, next: Accumulator) {
        for ch in 0..self.min.len().min(next.min.len()) {
            self.min[ch].extend_from_slice(&next.min[ch]);
            self.max[ch].extend_from_slice(&next.max[ch]);
        }
        self.samples += next.samples;
        self.filled = next.filled;
        self.current_min = next.current_min;
        self.current_max = next.current_max;
    }

    /// Works on the decoder's own sample type and converts only each frame's extremes, so the
    /// per-sample work is two comparisons.
    fn feed<S: Extremes + IntoSample<f32>>(
        &mut self,
        buffer: &AudioBuffer<S>,
        from: usize,
        to: usize,
    ) {
        let n = to.min(buffer.frames());
        let channels = self.min.len();
        let mut pos = from;
        while pos < n {
            let take = (self.frame_len - self.filled).min(n - pos);
            for ch in 0..channels {
                // A decoder that changes its channel count mid-stream repeats its last plane.
                let plane = buffer
                    .plane(ch)
                    .or_else(|| buffer.plane(buffer.num_planes().saturating_sub(1)));
                let Some(plane) = plane else { continue };
                let Some(chunk) = plane.get(pos..pos + take) else {
                    continue;
                };
                let (lo, hi) = S::extremes(chunk);
                let (lo, hi): (f32, f32) = (lo.into_sample(), hi.into_sample());
                if self.filled == 0 {
                    self.current_min[ch] = lo;
                    self.current_max[ch] = hi;
                } else {
                    self.current_min[ch] = self.current_min[ch].min(lo);
                    self.current_max[ch] = self.current_max[ch].max(hi);
                }
            }
            self.filled += take;
            pos += take;
            if self.filled == self.frame_len {
                self.close_frame();
            }
        }
        self.samples += n.saturating_sub(from) as u64;
    }

    fn close_frame(&mut self) {
        for ch in 0..self.min.len() {
            self.min[ch].push(self.current_min[ch]);
            self.max[ch].push(self.current_max[ch]);
        }
        self.filled = 0;
    }

    fn finish(mut self, codec: String) -> Levels {
        if self.filled > 0 {
            self.close_frame();
        }
        Levels {
            sample_rate: self.rate,
            frame_len: self.frame_len,
            samples: self.samples,
            codec,
            min: self.min,
            max: self.max,
        }
    }
}

/// Lowest and highest sample of a non-empty chunk. This is the only per-sample work of the
/// analysis, so the integer formats get a form the compiler turns into SIMD min/max.
trait Extremes: Sample {
    fn extremes(chunk: &[Self]) -> (Self, Self) {
        let mut lo = chunk[0];
        let mut hi = chunk[0];
        for &s in &chunk[1..] {
            if s < lo {
                lo = s;
            }
            if s > hi {
                hi = s;
            }
        }
        (lo, hi)
    }
}

macro_rules! integer_extremes {
    ($($t:ty),*) => {$(
        impl Extremes for $t {
            fn extremes(chunk: &[$t]) -> ($t, $t) {
                // Two separate reductions: each vectorises, and the chunk is in cache.
                let lo = chunk.iter().fold(<$t>::MAX, |a, &b| a.min(b));
                let hi = chunk.iter().fold(<$t>::MIN, |a, &b| a.max(b));
                (lo, hi)
            }
        }
    )*};
}

integer_extremes!(u8, i8, u16, i16, u32, i32);

impl Extremes for symphonia::core::audio::sample::u24 {}
impl Extremes for symphonia::core::audio::sample::i24 {}
impl Extremes for f32 {}
impl Extremes for f64 {}
