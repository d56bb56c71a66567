"""Reed-Solomon (255,223) E=16 coding of CCSDS 131.0-B §4, interleave 1 to 5, dual basis.

The CCSDS code lives in GF(2^8) built on p(x) = x^8 + x^7 + x^2 + x + 1 with the generator
g(x) = prod_{j=112}^{143} (x - a^(11 j)), and its symbols travel in Berlekamp's dual basis rather
than the conventional one. Generic libraries (reedsolo, galois) do the conventional code only, and
the pure-Python ones run at a few hundred kB/s; so zorka does its own, built for batches:

* Encoding and syndrome computation are linear over GF(2), so each becomes one table look-up per
  symbol (position x value -> 32 bytes, dual basis folded in) and an XOR reduction, in numpy over
  every codeword of every block at once.
* Only codewords whose syndromes are not all zero - rare on a healthy link - go through
  Berlekamp-Massey, a Chien search and Forney's formula, one at a time.

Interleaving (depth I) puts symbol k of a block in codeword k mod I. A shortened code (virtual
fill) is handled by leading zero symbols that are never transmitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from numba import njit

__all__ = [
    "PARITY_SYMBOLS",
    "ReedSolomon",
    "RsDecodeResult",
    "conventional_to_dual",
    "dual_to_conventional",
]

N = 255
K = 223
PARITY_SYMBOLS = N - K
_T = PARITY_SYMBOLS // 2
_FCR = 112
_PRIM = 11
_FIELD_POLY = 0x187


def _field_tables() -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """exp and log tables of GF(2^8) taken to the base beta = alpha^11.

    The CCSDS roots are consecutive powers of beta (beta^112 ... beta^143), so with beta as the
    primitive element the code is a textbook narrow-sense-shifted RS code.
    """
    alpha = np.zeros(N, dtype=np.int64)
    x = 1
    for k in range(N):
        alpha[k] = x
        x <<= 1
        if x & 0x100:
            x ^= _FIELD_POLY
    exp = np.array([alpha[(k * _PRIM) % N] for k in range(2 * N)], dtype=np.int64)
    log = np.zeros(256, dtype=np.int64)
    log[exp[:N]] = np.arange(N)
    return exp, log


_EXP, _LOG = _field_tables()
_EXP_L: list[int] = [int(v) for v in _EXP]
_LOG_L: list[int] = [int(v) for v in _LOG]


def _dual_tables() -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    # Rows of the conventional-to-dual matrix T_al of 131.0-B Annex F, most significant row first;
    # bit k of a conventional symbol selects row 7 - k.
    rows = (0x8D, 0xEF, 0xEC, 0x86, 0xFA, 0x99, 0xAF, 0x7B)
    to_dual = np.zeros(256, dtype=np.uint8)
    for value in range(256):
        out = 0
        for k in range(8):
            if value >> k & 1:
                out ^= rows[7 - k]
        to_dual[value] = out
    to_conv = np.zeros(256, dtype=np.uint8)
    to_conv[to_dual] = np.arange(256, dtype=np.uint8)
    return to_dual, to_conv


_TO_DUAL, _TO_CONV = _dual_tables()


def conventional_to_dual(symbols: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """Map symbols from the conventional (alpha power) basis to Berlekamp's dual basis."""
    return _TO_DUAL[np.asarray(symbols, dtype=np.uint8)]


def dual_to_conventional(symbols: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """Map symbols from Berlekamp's dual basis to the conventional basis."""
    return _TO_CONV[np.asarray(symbols, dtype=np.uint8)]


def _gf_scale(values: npt.NDArray[np.int64], logs: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """values * beta^logs element-wise (broadcasting), with zero staying zero."""
    out = _EXP[(_LOG[values] + logs) % N]
    return np.where(values == 0, 0, out)


@lru_cache(maxsize=1)
def _parity_table() -> npt.NDArray[np.uint64]:
    """(223, 256, 4) uint64: parity (32 dual bytes) of a dual symbol alone at each data position."""
    # Remainders x^d mod g(x) for d = 32 ... 254, built by repeated multiplication by x.
    gen = [1]
    for i in range(PARITY_SYMBOLS):
        root = _EXP_L[_FCR + i]
        nxt = [*gen, 0]
        for k in range(len(gen)):
            if gen[k]:
                nxt[k + 1] ^= _EXP_L[_LOG_L[gen[k]] + _LOG_L[root]]
        gen = nxt
    # gen holds g(x) highest degree first, monic; remainder registers are 32 coefficients,
    # highest degree first.
    rem = np.zeros((N, PARITY_SYMBOLS), dtype=np.int64)
    reg = [0] * (PARITY_SYMBOLS - 1) + [1]  # x^0 ... kept only once degree reaches 32
    for d in range(N):
        if d >= PARITY_SYMBOLS:
            rem[d] = reg
        # multiply by x modulo g
        top = reg[0]
        reg = [*reg[1:], 0]
        if top:
            lt = _LOG_L[top]
            for k in range(PARITY_SYMBOLS):
                if gen[k + 1]:
                    reg[k] ^= _EXP_L[lt + _LOG_L[gen[k + 1]]]
        if d == PARITY_SYMBOLS - 1:
            # x^32 mod g = g minus its leading term
            reg = [int(c) for c in gen[1:]]
    degrees = N - 1 - np.arange(K)  # data position j carries x^(254 - j)
    conv_values = _TO_CONV.astype(np.int64)  # index: dual value; entry: conventional value
    base = rem[degrees]  # (223, 32)
    scaled = _gf_scale(base[:, None, :], _LOG[conv_values][None, :, None])
    scaled = np.where(conv_values[None, :, None] == 0, 0, scaled)
    table = _TO_DUAL[scaled.astype(np.uint8)]
    return np.ascontiguousarray(table).view(np.uint64).reshape(K, 256, 4)


@lru_cache(maxsize=1)
def _syndrome_table() -> npt.NDArray[np.uint64]:
    """(255, 256, 4) uint64: the 32 conventional syndromes of a dual symbol at each position."""
    positions = np.arange(N)
    degrees = (N - 1 - positions)[:, None, None]
    roots = (_FCR + np.arange(PARITY_SYMBOLS))[None, None, :]
    conv_values = _TO_CONV.astype(np.int64)[None, :, None]
    table = _gf_scale(np.broadcast_to(conv_values, (N, 256, PARITY_SYMBOLS)), (degrees * roots) % N)
    return np.ascontiguousarray(table.astype(np.uint8)).view(np.uint64).reshape(N, 256, 4)


@njit(cache=True, nogil=True)
def _xor_rows(  # pragma: no cover - compiled
    table: npt.NDArray[np.uint64], symbols: npt.NDArray[np.uint8], out: npt.NDArray[np.uint64]
) -> None:
    for row in range(symbols.shape[0]):
        a = np.uint64(0)
        b = np.uint64(0)
        c = np.uint64(0)
        d = np.uint64(0)
        for pos in range(symbols.shape[1]):
            entry = table[pos, symbols[row, pos]]
            a ^= entry[0]
            b ^= entry[1]
            c ^= entry[2]
            d ^= entry[3]
        out[row, 0] = a
        out[row, 1] = b
        out[row, 2] = c
        out[row, 3] = d


def _xor_lookup(
    table: npt.NDArray[np.uint64], symbols: npt.NDArray[np.uint8]
) -> npt.NDArray[np.uint8]:
    """XOR of table[position, symbol] over positions, for each row of ``symbols``.

    Compiled: a numpy gather of (rows, positions, 4) words would walk megabytes of temporaries
    for what is one pass of table look-ups per codeword.
    """
    rows = symbols.shape[0]
    out = np.empty((rows, 4), dtype=np.uint64)
    _xor_rows(table, np.ascontiguousarray(symbols), out)
    return out.view(np.uint8).reshape(rows, PARITY_SYMBOLS)


def _gf_mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP_L[_LOG_L[a] + _LOG_L[b]]


def _gf_div(a: int, b: int) -> int:
    if a == 0:
        return 0
    return _EXP_L[(_LOG_L[a] - _LOG_L[b]) % N]


def _poly_eval(poly: list[int], log_x: int) -> int:
    """poly (lowest degree first) at beta^log_x."""
    acc = 0
    for i, c in enumerate(poly):
        if c:
            acc ^= _EXP_L[(_LOG_L[c] + i * log_x) % N]
    return acc


def _locate_and_correct(syndromes: list[int], fill: int) -> list[tuple[int, int]] | None:
    """Error positions (0 = first symbol of the full 255-symbol codeword) and conventional
    magnitudes, or None when the codeword has more errors than the code corrects."""
    # Berlekamp-Massey for the error locator Lambda(x), lowest degree first.
    lam = [1]
    prev = [1]
    length = 0
    shift = 1
    prev_disc = 1
    for n in range(PARITY_SYMBOLS):
        disc = syndromes[n]
        for i in range(1, length + 1):
            if i < len(lam):
                disc ^= _gf_mul(lam[i], syndromes[n - i])
        if disc == 0:
            shift += 1
            continue
        coef = _gf_div(disc, prev_disc)
        update = [0] * shift + [_gf_mul(coef, c) for c in prev]
        new = [
            (lam[i] if i < len(lam) else 0) ^ (update[i] if i < len(update) else 0)
            for i in range(max(len(lam), len(update)))
        ]
        if 2 * length <= n:
            prev, prev_disc, length, shift = lam, disc, n + 1 - length, 1
        else:
            shift += 1
        lam = new
    while len(lam) > 1 and lam[-1] == 0:
        lam.pop()
    if length > _T or len(lam) - 1 != length:
        return None
    # Chien search, vectorised over the 255 possible degrees p: a root at beta^-p means an
    # error on the coefficient of x^p, that is at position 254 - p.
    p = np.arange(N)
    values = np.zeros(N, dtype=np.int64)
    for i, c in enumerate(lam):
        if c:
            values ^= _EXP[(_LOG_L[c] - i * p) % N]
    degrees = np.flatnonzero(values == 0)
    if degrees.size != length:
        return None
    # Forney: e = X^(1 - fcr) * Omega(X^-1) / Lambda'(X^-1), Omega = S * Lambda mod x^32.
    omega = [0] * PARITY_SYMBOLS
    for i, s in enumerate(syndromes):
        if s:
            for k, c in enumerate(lam):
                if i + k < PARITY_SYMBOLS and c:
                    omega[i + k] ^= _gf_mul(s, c)
    lam_deriv = [lam[i] if i % 2 == 1 else 0 for i in range(1, len(lam))]
    fixes = []
    for deg in degrees.tolist():
        position = N - 1 - deg
        if position < fill:
            return None  # an "error" in the virtual fill means the decoder was fooled
        inv = (-deg) % N
        denom = _poly_eval(lam_deriv, inv)
        if denom == 0:
            return None
        num = _poly_eval(omega, inv)
        magnitude = _gf_mul(_gf_div(num, denom), _EXP_L[(deg * (1 - _FCR)) % N])
        fixes.append((position, magnitude))
    return fixes


@dataclass(frozen=True)
class RsDecodeResult:
    """What :meth:`ReedSolomon.decode` returns for a batch of blocks.

    ``data`` holds the data symbols of each block (parity removed) with every correctable error
    fixed; codewords that could not be corrected are left as received. ``corrected`` counts the
    symbols fixed in each block and ``uncorrectable`` the codewords of each block beyond repair.
    """

    data: npt.NDArray[np.uint8]
    corrected: npt.NDArray[np.int64]
    uncorrectable: npt.NDArray[np.int64]

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        """Per block: every codeword decoded."""
        ok: npt.NDArray[np.bool_] = self.uncorrectable == 0
        return ok


class ReedSolomon:
    """The CCSDS RS(255,223) code at one interleave depth and virtual fill.

    >>> rs = ReedSolomon(interleave=5)
    >>> rs.data_length, rs.block_length
    (1115, 1275)
    """

    def __init__(self, interleave: int = 5, virtual_fill: int = 0) -> None:
        if not 1 <= interleave <= 8:
            raise ValueError(
                f"interleave must be 1 to 8 (CCSDS allows 1-5 and 8), not {interleave}"
            )
        if not 0 <= virtual_fill < K:
            raise ValueError(f"virtual_fill must be 0 to {K - 1} symbols, not {virtual_fill}")
        self.interleave = interleave
        self.virtual_fill = virtual_fill

    @classmethod
    def for_frame_length(cls, frame_length: int, interleave: int) -> ReedSolomon:
        """The code that carries frames of ``frame_length`` bytes, shortened if need be."""
        if frame_length % interleave:
            raise ValueError(
                f"frame length {frame_length} is not a multiple of interleave {interleave}"
            )
        return cls(interleave, K - frame_length // interleave)

    @property
    def data_length(self) -> int:
        """Data bytes per block (the transfer frame length)."""
        return self.interleave * (K - self.virtual_fill)

    @property
    def block_length(self) -> int:
        """Bytes per transmitted block: data then interleaved parity."""
        return self.data_length + self.interleave * PARITY_SYMBOLS

    def _codewords(self, blocks: npt.NDArray[np.uint8], length: int) -> npt.NDArray[np.uint8]:
        # (n, length * I) -> (n * I, length): symbol k belongs to codeword k mod I.
        n = blocks.shape[0]
        words = blocks.reshape(n, length, self.interleave).transpose(0, 2, 1)
        return words.reshape(n * self.interleave, length)

    def encode(self, frames: bytes | npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        """Append interleaved parity to each frame: (n, data_length) -> (n, block_length).

        ``bytes`` input is one frame and gives a one-row result.
        """
        data = _as_blocks(frames, self.data_length)
        n = data.shape[0]
        words = self._codewords(data, K - self.virtual_fill)
        if self.virtual_fill:
            words = np.concatenate(
                [np.zeros((words.shape[0], self.virtual_fill), np.uint8), words], axis=1
            )
        parity = _xor_lookup(_parity_table(), words)
        parity = parity.reshape(n, self.interleave, PARITY_SYMBOLS).transpose(0, 2, 1)
        return np.concatenate([data, parity.reshape(n, -1)], axis=1)

    def decode(self, blocks: bytes | npt.NDArray[np.uint8]) -> RsDecodeResult:
        """Check and correct blocks: (n, block_length) -> data (n, data_length) and counts."""
        received = _as_blocks(blocks, self.block_length)
        n = received.shape[0]
        length = N - self.virtual_fill
        words = self._codewords(received, length)
        if self.virtual_fill:
            words = np.concatenate(
                [np.zeros((words.shape[0], self.virtual_fill), np.uint8), words], axis=1
            )
        syndromes = _xor_lookup(_syndrome_table(), words)
        corrected = np.zeros(n, dtype=np.int64)
        failed = np.zeros(n, dtype=np.int64)
        bad = np.flatnonzero(syndromes.any(axis=1))
        if bad.size:
            words = words.copy()
            for row in bad.tolist():
                fixes = _locate_and_correct([int(s) for s in syndromes[row]], self.virtual_fill)
                block = row // self.interleave
                if fixes is None:
                    failed[block] += 1
                    continue
                for position, magnitude in fixes:
                    conv = int(_TO_CONV[words[row, position]]) ^ magnitude
                    words[row, position] = _TO_DUAL[conv]
                corrected[block] += len(fixes)
        data_words = words[:, self.virtual_fill : K]
        data = data_words.reshape(n, self.interleave, K - self.virtual_fill).transpose(0, 2, 1)
        return RsDecodeResult(np.ascontiguousarray(data.reshape(n, -1)), corrected, failed)


def _as_blocks(data: bytes | npt.NDArray[np.uint8], length: int) -> npt.NDArray[np.uint8]:
    array = np.frombuffer(data, dtype=np.uint8) if isinstance(data, bytes | bytearray) else data
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.shape[1] != length:
        raise ValueError(f"expected blocks of {length} bytes, got {array.shape[1]}")
    return np.ascontiguousarray(array, dtype=np.uint8)
