//! Synthetic recordings with silences at known places: the fixtures of the tests and the demo's
//! recordings. Written as WAV in every encoding call recorders use, including G.711 µ-law and
//! A-law, so the decoder is tested against files whose content is known sample by sample.

/// One stretch of a synthetic call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Part {
    /// A tone standing in for speech: frequency in Hz and amplitude (full scale 1).
    Tone {
        seconds: f64,
        hz: f64,
        amplitude: f64,
    },
    /// Speech-like sound at a voice's pitch: a tone with its second harmonic, in syllables of
    /// about a quarter second with a quieter floor between them.
    Speech {
        seconds: f64,
        hz: f64,
        amplitude: f64,
    },
    /// Nothing but the line noise.
    Silence { seconds: f64 },
}

impl Part {
    pub fn seconds(&self) -> f64 {
        match *self {
            Part::Tone { seconds, .. }
            | Part::Speech { seconds, .. }
            | Part::Silence { seconds } => seconds,
        }
    }
}

/// How samples are stored in the WAV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    U8,
    S16,
    S24,
    S32,
    F32,
    MuLaw,
    ALaw,
}

impl Encoding {
    pub const ALL: [Encoding; 7] = [
        Encoding::U8,
        Encoding::S16,
        Encoding::S24,
        Encoding::S32,
        Encoding::F32,
        Encoding::MuLaw,
        Encoding::ALaw,
    ];

    fn bytes(self) -> u16 {
        match self {
            Encoding::U8 | Encoding::MuLaw | Encoding::ALaw => 1,
            Encoding::S16 => 2,
            Encoding::S24 => 3,
            Encoding::S32 | Encoding::F32 => 4,
        }
    }

    /// The WAVE format tag: PCM, IEEE float, A-law, µ-law.
    fn tag(self) -> u16 {
        match self {
            Encoding::F32 => 3,
            Encoding::ALaw => 6,
            Encoding::MuLaw => 7,
            _ => 1,
        }
    }
}

/// Renders the parts at `rate` Hz, with uniform noise of peak `noise` added throughout
/// (deterministic for a given `seed`).
pub fn render(parts: &[Part], rate: u32, noise: f64, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::new();
    for part in parts {
        let n = (part.seconds() * f64::from(rate)).round() as usize;
        for i in 0..n {
            let t = i as f64 / f64::from(rate);
            let signal = match *part {
                Part::Tone { hz, amplitude, .. } => {
                    amplitude * (2.0 * std::f64::consts::PI * hz * t).sin()
                }
                Part::Speech { hz, amplitude, .. } => {
                    let syllables = 0.15 + 0.85 * (std::f64::consts::PI * t * 4.0).sin().abs();
                    amplitude
                        * syllables
                        * ((2.0 * std::f64::consts::PI * hz * t).sin()
                            + 0.4 * (4.0 * std::f64::consts::PI * hz * t).sin())
                }
                Part::Silence { .. } => 0.0,
            };
            // xorshift64: cheap, repeatable noise without a dependency.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let uniform = (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
            out.push((signal + noise * uniform).clamp(-1.0, 1.0) as f32);
        }
    }
    out
}

/// A WAV file holding `channels` (all the same length) at `rate` Hz.
pub fn wav(channels: &[Vec<f32>], rate: u32, encoding: Encoding) -> Vec<u8> {
    let count = channels.len().max(1) as u16;
    let frames = channels.first().map_or(0, Vec::len);
    let block = count * encoding.bytes();
    let data_len = (frames * usize::from(block)) as u32;
    let pcm = encoding.tag() == 1;
    let fmt_len: u32 = if pcm { 16 } else { 18 };
    let mut out = Vec::with_capacity(data_len as usize + 64);
    out.extend_from_slice(b"RIFF");
    let riff_len = 4 + (8 + fmt_len) + if pcm { 0 } else { 12 } + 8 + data_len;
    out.extend_from_slice(&riff_len.to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&fmt_len.to_le_bytes());
    out.extend_from_slice(&encoding.tag().to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
    out.extend_from_slice(&block.to_le_bytes());
    out.extend_from_slice(&(encoding.bytes() * 8).to_le_bytes());
    if !pcm {
        out.extend_from_slice(&0u16.to_le_bytes());
        // Non-PCM WAV files carry the frame count in a `fact` chunk.
        out.extend_from_slice(b"fact");
        out.extend_from_slice(&4u32.to_le_bytes());
        out.extend_from_slice(&(frames as u32).to_le_bytes());
    }
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..frames {
        for channel in channels {
            let x = channel[i].clamp(-1.0, 1.0);
            let s16 = (x * 32767.0).round() as i16;
            match encoding {
                Encoding::U8 => out.push(((x * 127.0).round() as i16 + 128) as u8),
                Encoding::S16 => out.extend_from_slice(&s16.to_le_bytes()),
                Encoding::S24 => {
                    let v = (f64::from(x) * 8_388_607.0).round() as i32;
                    out.extend_from_slice(&v.to_le_bytes()[..3]);
                }
                Encoding::S32 => {
                    let v = (f64::from(x) * 2_147_483_647.0).round() as i32;
                    out.extend_from_slice(&v.to_le_bytes());
                }
                Encoding::F32 => out.extend_from_slice(&x.to_le_bytes()),
                Encoding::MuLaw => out.push(mulaw(s16)),
                Encoding::ALaw => out.push(alaw(s16)),
            }
        }
    }
    out
}

/// G.711 µ-law encoding of a 16-bit sample.
pub fn mulaw(sample: i16) -> u8 {
    const SEGMENT_ENDS: [i32; 8] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];
    let mut v = i32::from(sample) >> 2;
    let mask = if v < 0 {
        v = -v;
        0x7F
    } else {
        0xFF
    };
    v = v.min(8159) + 0x21;
    let segment = SEGMENT_ENDS.iter().position(|&end| v <= end).unwrap_or(8) as i32;
    if segment >= 8 {
        return (0x7F ^ mask) as u8;
    }
    (((segment << 4) | ((v >> (segment + 1)) & 0xF)) ^ mask) as u8
}

/// G.711 A-law encoding of a 16-bit sample.
pub fn alaw(sample: i16) -> u8 {
    const SEGMENT_ENDS: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];
    let mut v = i32::from(sample) >> 3;
    let mask = if v >= 0 {
        0xD5
    } else {
        v = -v - 1;
        0x55
    };
    let segment = SEGMENT_ENDS.iter().position(|&end| v <= end).unwrap_or(8) as i32;
    if segment >= 8 {
        return (0x7F ^ mask) as u8;
    }
    let mantissa = if segment < 2 {
        (v >> 1) & 0xF
    } else {
        (v >> segment) & 0xF
    };
    (((segment << 4) | mantissa) ^ mask) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g711_reference_values() {
        // Values from the ITU-T G.711 tables: zero, and full scale in each polarity.
        assert_eq!(mulaw(0), 0xFF);
        assert_eq!(mulaw(i16::MAX), 0x80);
        assert_eq!(mulaw(i16::MIN), 0x00);
        assert_eq!(alaw(0), 0xD5);
        assert_eq!(alaw(i16::MAX), 0xAA);
        assert_eq!(alaw(i16::MIN), 0x2A);
    }

    #[test]
    fn render_places_parts_at_their_times() {
        let parts = [
            Part::Tone {
                seconds: 1.0,
                hz: 400.0,
                amplitude: 0.5,
            },
            Part::Silence { seconds: 0.5 },
        ];
        let samples = render(&parts, 8000, 0.0, 1);
        assert_eq!(samples.len(), 12_000);
        assert!(samples[..8000].iter().any(|s| s.abs() > 0.45));
        assert!(samples[8000..].iter().all(|&s| s == 0.0));
    }
}
