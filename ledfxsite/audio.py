"""Audio analysis: PCM samples in, at any rate and in blocks of any size; fixed-size
analysis blocks out, BLOCKS_PER_SECOND of them per second of audio, each giving the
features that audio-reactive effects use. Only the features leave the process that
receives the audio (ledfxsite.web_audio); they are small, and the same for every source.

One FFT per block (the last FFT_SIZE samples, asymmetric_window) feeds everything:
- volume and the named band powers (beat_power ... high_power, BANDS) in decibels, mapped to
  0..1 over LEVEL_RANGE_DB: absolute levels, so louder is brighter. The powers are summed
  over the FFT bins inside each band's exact frequencies.
- a melbank of MEL_BANDS triangular bands, mel-spaced from MIN_FREQUENCY to MAX_FREQUENCY,
  divided by its own slowly decaying peak: the spectrum's shape, whatever the level.
  (LedFx computes three melbanks over 20-350, 20-2000 and 20-15000 Hz, and takes its
  lows, mids and highs as thirds of a bank by index; one bank and powers by Hz need one
  filterbank product, and "bass" means 100-250 Hz whatever the bank's size.)
- onsets from spectral flux (the rise of the log melbank, summed over bands) above an
  adaptive threshold; tempo from the autocorrelation of that flux over the last
  TEMPO_WINDOW_SECONDS, weighted towards 120 BPM, refined between lags by a parabola;
  re-estimated twice a second once half the window is filled; a beat phase that advances
  at the tempo and snaps to onsets near a predicted beat.
"""

import collections
import math

import numpy as np

BLOCKS_PER_SECOND = 60
FFT_SIZE = 4096
MEL_BANDS = 24
MIN_FREQUENCY = 20.0
MAX_FREQUENCY = 15000.0
LEVEL_RANGE_DB = 60.0  # -60 dBFS and below is 0, full scale is 1
# LedFx's names for the powers effects use most (its beat_power(), bass_power(), ...).
BANDS = {
    "beat_power": (20.0, 100.0),
    "bass_power": (100.0, 250.0),
    "lows_power": (20.0, 250.0),
    "mids_power": (250.0, 3000.0),
    "high_power": (3000.0, 10000.0),
}
MELBANK_PEAK_HALF_LIFE = 2.0  # seconds for the melbank's normaliser to halve
TEMPO_WINDOW_SECONDS = 6.0
MIN_BPM, MAX_BPM = 60.0, 200.0
ONSET_MIN_GAP_SECONDS = 0.1
NEW_END_TAPER_SECONDS = 0.006  # what the window's newest end costs in latency
BEAT_SNAP = 0.2  # an onset within this fraction of a beat from the predicted one moves it


def mel(frequency):
    return 2595.0 * np.log10(1.0 + np.asarray(frequency) / 700.0)


def mel_to_hz(value):
    return 700.0 * (10.0 ** (np.asarray(value) / 2595.0) - 1.0)


def level(power):
    """Mean square power (full-scale sine = 0.5) -> 0..1 over LEVEL_RANGE_DB."""
    decibels = 10.0 * math.log10(max(power, 1e-30))
    return min(1.0, max(0.0, 1.0 + decibels / LEVEL_RANGE_DB))


def hop_for(sample_rate, block_size):
    """An analysis hop that divides the source's block size, so that each block it sends
    completes its analysis blocks at once (none waits for the next), at 60 to 200 blocks a
    second; the default hop when no divisor fits."""
    fitting = [hop for hop in range(block_size, 0, -1) if block_size % hop == 0 and 60 <= sample_rate / hop <= 200]
    return fitting[0] if fitting else round(sample_rate / BLOCKS_PER_SECOND)


def asymmetric_window(size, new_end):
    """A Hann rise over the older half, flat, then a Hann fall over the newest `new_end`
    samples. A symmetric window would weigh a new sound near zero until it reached the
    middle, size / 2 samples later; a hard cut at the new end would leak each band into
    its neighbours."""
    rise = size // 2
    new_end = max(1, min(new_end, size - rise))
    return np.concatenate([np.hanning(2 * rise)[:rise], np.ones(size - rise - new_end), np.hanning(2 * new_end)[new_end:]])


def mel_filterbank(sample_rate, fft_size=FFT_SIZE, bands=MEL_BANDS):
    """(bands, fft_size // 2 + 1) triangular filters and the bands' centre frequencies."""
    top = min(MAX_FREQUENCY, sample_rate / 2)
    edges = mel_to_hz(np.linspace(mel(MIN_FREQUENCY), mel(top), bands + 2))
    bins = np.fft.rfftfreq(fft_size, 1.0 / sample_rate)
    filters = np.zeros((bands, bins.size))
    for band in range(bands):
        low, centre, high = edges[band : band + 3]
        rising = (bins - low) / (centre - low)
        falling = (high - bins) / (high - centre)
        filters[band] = np.clip(np.minimum(rising, falling), 0.0, None)
        if not filters[band].any():  # narrower than a bin: take the nearest bin
            filters[band, np.argmin(np.abs(bins - centre))] = 1.0
    return filters, edges[1:-1]


class AudioAnalyser:
    def __init__(self, sample_rate, hop=None):
        """hop: samples per analysis block (default: BLOCKS_PER_SECOND blocks a second);
        hop_for() picks one that suits the size of the blocks a source sends."""
        if not 8000 <= sample_rate <= 192000:
            raise ValueError(f"sample rate {sample_rate} Hz is outside 8000-192000")
        self.sample_rate = sample_rate
        self.hop = hop or round(sample_rate / BLOCKS_PER_SECOND)
        self.block_rate = sample_rate / self.hop
        self.window = asymmetric_window(FFT_SIZE, round(NEW_END_TAPER_SECONDS * sample_rate))
        # A full-scale sine's mean square is 0.5; the window's mean square rescales the FFT.
        self.spectrum_scale = 2.0 / (FFT_SIZE * np.mean(self.window**2) * FFT_SIZE)
        self.filters, centres = mel_filterbank(sample_rate)
        self.frequencies = [round(float(centre)) for centre in centres]  # Hz, as graph_update lists them
        bins = np.fft.rfftfreq(FFT_SIZE, 1.0 / sample_rate)
        self.band_bins = {name: slice(*np.searchsorted(bins, (low, high))) for name, (low, high) in BANDS.items()}
        self.history = np.zeros(FFT_SIZE)
        self.pending = np.zeros(0)
        self.blocks = 0
        self.melbank_peak = 1e-12
        self.peak_decay = 0.5 ** (1.0 / (MELBANK_PEAK_HALF_LIFE * self.block_rate))
        self.previous_log_mel = None
        self.flux = collections.deque(maxlen=int(TEMPO_WINDOW_SECONDS * self.block_rate))
        self.last_onset_block = -(10**9)
        self.bpm = 0.0
        self.beat_phase = 0.0

    def feed(self, samples):
        """Mono samples (floats in -1..1); returns the features of every block completed."""
        self.pending = np.concatenate([self.pending, np.asarray(samples, dtype=np.float64)])
        features = []
        while self.pending.size >= self.hop:
            block, self.pending = self.pending[: self.hop], self.pending[self.hop :]
            features.append(self.analyse(block))
        return features

    def analyse(self, block):
        self.blocks += 1
        self.history = np.concatenate([self.history[block.size :], block])
        power = np.abs(np.fft.rfft(self.history * self.window)) ** 2 * self.spectrum_scale
        features = {"volume": level(float(np.mean(block**2)))}
        for name, selected in self.band_bins.items():
            features[name] = level(float(power[selected].sum()))
        melbank = self.filters @ power
        self.melbank_peak = max(self.melbank_peak * self.peak_decay, float(melbank.max()), 1e-12)
        silent = features["volume"] == 0.0
        features["melbank"] = [0.0] * MEL_BANDS if silent else np.round(melbank / self.melbank_peak, 4).tolist()
        features["onset"] = self.onset(melbank)
        if self.blocks % max(1, int(self.block_rate / 2)) == 0 and len(self.flux) >= self.flux.maxlen // 2:
            self.bpm = self.estimate_bpm()
        features["beat"] = self.beat_now(features["onset"])
        features["bpm"] = round(self.bpm, 2)
        features["beat_phase"] = round(self.beat_phase, 4)
        return features

    def onset(self, melbank):
        log_mel = np.log1p(1000.0 * melbank / self.melbank_peak)
        flux = 0.0 if self.previous_log_mel is None else float(np.clip(log_mel - self.previous_log_mel, 0.0, None).sum())
        self.previous_log_mel = log_mel
        recent = list(self.flux)[-int(self.block_rate / 2) :]
        self.flux.append(flux)
        if len(recent) < 3:
            return False
        threshold = float(np.median(recent)) * 1.5 + float(np.std(recent)) + 0.5
        if flux > threshold and self.blocks - self.last_onset_block >= ONSET_MIN_GAP_SECONDS * self.block_rate:
            self.last_onset_block = self.blocks
            return True
        return False

    def estimate_bpm(self):
        flux = np.asarray(self.flux) - np.mean(self.flux)
        energy = float(flux @ flux)
        if energy <= 1e-9:
            return 0.0
        shortest = int(self.block_rate * 60.0 / MAX_BPM)
        longest = int(math.ceil(self.block_rate * 60.0 / MIN_BPM))
        lags = np.arange(shortest, min(longest, flux.size - 2) + 1)
        if lags.size < 3:
            return 0.0
        correlation = np.array([flux[lag:] @ flux[:-lag] for lag in lags]) / energy
        bpms = self.block_rate * 60.0 / lags
        weighted = correlation * np.exp(-0.5 * (np.log2(bpms / 120.0) / 1.0) ** 2)
        best = int(np.argmax(weighted))
        if correlation[best] < 0.1:
            return 0.0
        offset = 0.0
        if 0 < best < lags.size - 1:
            left, middle, right = correlation[best - 1 : best + 2]
            curvature = left - 2 * middle + right
            if curvature < 0:
                offset = 0.5 * (left - right) / curvature
        return self.block_rate * 60.0 / (lags[best] + offset)

    def beat_now(self, onset):
        """Advance the beat phase at the tempo; True on the block where a beat falls. An
        onset shortly before a predicted beat brings the beat forward to it; one shortly
        after moves the phase back, so the beats follow the music's."""
        if not self.bpm:
            return False
        self.beat_phase += self.bpm / 60.0 / self.block_rate
        if onset and self.beat_phase > 1.0 - BEAT_SNAP:
            self.beat_phase = 0.0
            return True
        if onset and self.beat_phase < BEAT_SNAP:
            self.beat_phase = 0.0
        if self.beat_phase >= 1.0:
            self.beat_phase -= 1.0
            return True
        return False
