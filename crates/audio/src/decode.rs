//! Decoding: any recording the decoder understands becomes, per channel, the lowest and highest
//! sample of each 10 ms frame. Every analysis (silences, talk time, waveform) needs only that, so
//! a recording is decoded once and an hour of audio shrinks to a few megabytes.

use std::{fs::File, io, path::Path};

use symphonia::core::{
    audio::{Audio, AudioBuffer, GenericAudioBufferRef, conv::IntoSample, sample::Sample},
    codecs::{CodecParameters, audio::AudioDecoderOptions},
    errors::Error as DecodeFailure,
    formats::{FormatOptions, TrackType, probe::Hint},
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
pub fn decode_file(path: &Path) -> Result<Levels, AudioError> {
    let file = File::open(path).map_err(|source| AudioError::Open {
        path: path.display().to_string(),
        source,
    })?;
    let ext = path.extension().and_then(|e| e.to_str());
    decode(Box::new(file), ext)
}

/// Decodes a recording held in memory (an upload, or a fuzzer's input).
pub fn decode_bytes(bytes: Vec<u8>, extension: Option<&str>) -> Result<Levels, AudioError> {
    decode(Box::new(io::Cursor::new(bytes)), extension)
}

fn decode(source: Box<dyn MediaSource>, extension: Option<&str>) -> Result<Levels, AudioError> {
    // The decoders are written to refuse bad input with an error, but a few header fields still
    // reach arithmetic that overflows (in debug builds) on crafted files. A damaged recording must
    // give the user an error, never take the process down, so a panic inside is caught here.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        decode_unguarded(source, extension)
    }))
    .unwrap_or_else(|_| {
        Err(AudioError::Corrupt {
            at_s: 0.0,
            detail: "the decoder could not make sense of its header".into(),
        })
    })
}

fn decode_unguarded(
    source: Box<dyn MediaSource>,
    extension: Option<&str>,
) -> Result<Levels, AudioError> {
    let stream = MediaSourceStream::new(source, MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    if let Some(ext) = extension {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
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
    let declared_frames = track.num_frames;
    let Some(CodecParameters::Audio(params)) = track.codec_params.clone() else {
        return Err(AudioError::NoAudioTrack);
    };
    if let Some(channels) = &params.channels
        && channels.count() > MAX_CHANNELS
    {
        return Err(AudioError::TooManyChannels(channels.count()));
    }
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| AudioError::Unsupported(e.to_string()))?;
    let codec = decoder.codec_info().short_name.to_string();

    let mut acc: Option<Accumulator> = None;
    let mut bad_packets = 0;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            // Some demuxers report the end of a stream as an unexpected end of file; whether the
            // stream really ended early is judged below against the header's promise.
            Err(DecodeFailure::IoError(e)) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(corrupt(&acc, e)),
        };
        if packet.track_id != track_id {
            continue;
        }
        let buffer = match decoder.decode(&packet) {
            Ok(buffer) => buffer,
            Err(DecodeFailure::DecodeError(_)) if bad_packets < TOLERATED_BAD_PACKETS => {
                bad_packets += 1;
                continue;
            }
            Err(e) => return Err(corrupt(&acc, e)),
        };
        if buffer.frames() == 0 {
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
        acc.feed_generic(&buffer);
    }
    let acc = acc.ok_or(AudioError::Empty)?;
    let levels = acc.finish(codec);
    if let Some(declared) = declared_frames {
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

fn corrupt(acc: &Option<Accumulator>, e: DecodeFailure) -> AudioError {
    let at_s = acc
        .as_ref()
        .map_or(0.0, |a| a.samples as f64 / f64::from(a.rate));
    AudioError::Corrupt {
        at_s,
        detail: e.to_string(),
    }
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
        let frame_len = ((f64::from(rate) * FRAME_SECONDS).round() as usize).max(1);
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

    fn feed_generic(&mut self, buffer: &GenericAudioBufferRef<'_>) {
        match buffer {
            GenericAudioBufferRef::U8(b) => self.feed(b),
            GenericAudioBufferRef::U16(b) => self.feed(b),
            GenericAudioBufferRef::U24(b) => self.feed(b),
            GenericAudioBufferRef::U32(b) => self.feed(b),
            GenericAudioBufferRef::S8(b) => self.feed(b),
            GenericAudioBufferRef::S16(b) => self.feed(b),
            GenericAudioBufferRef::S24(b) => self.feed(b),
            GenericAudioBufferRef::S32(b) => self.feed(b),
            GenericAudioBufferRef::F32(b) => self.feed(b),
            GenericAudioBufferRef::F64(b) => self.feed(b),
        }
    }

    /// Works on the decoder's own sample type and converts only each frame's extremes, so the
    /// per-sample work is two comparisons.
    fn feed<S: Sample + IntoSample<f32>>(&mut self, buffer: &AudioBuffer<S>) {
        let n = buffer.frames();
        let channels = self.min.len();
        let mut pos = 0;
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
                let (lo, hi) = extremes(chunk);
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
        self.samples += n as u64;
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

/// Lowest and highest sample of a non-empty chunk.
fn extremes<S: Sample>(chunk: &[S]) -> (S, S) {
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
