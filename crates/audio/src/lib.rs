//! Recording analysis: decode a call recording once into per-frame levels, then find the long
//! silences a panel asks about, the talk time, and the waveform the player draws.

pub mod decode;
pub mod peaks;
pub mod silence;
pub mod synth;
pub mod transcript;

pub use decode::{AudioError, Levels, decode_bytes, decode_file};
pub use peaks::{DEFAULT_PEAKS, Waveform, waveform};
pub use silence::{Analysis, Interval, Settings, analyse};
