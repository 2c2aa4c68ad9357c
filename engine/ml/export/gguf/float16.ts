// IEEE 754 half precision (binary16) for GGUF's F16 tensors and the f16 scales of Q8_0/Q4_0 blocks: float32 to the
// nearest half (ties to even, overflow to infinity, NaN kept), and back. Node 20 has no Math.f16round.

const float = new Float32Array(1);
const bits = new Uint32Array(float.buffer);

/** The half-precision bits nearest to `value` (after rounding it to float32, as C code does). */
export function toFloat16Bits(value: number): number {
  float[0] = value;
  const x = bits[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal half (or zero): the float's 24-bit significand shifted into the 10 bits at 2^-24 steps.
    if (halfExponent < -10) return sign;
    const significand = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    return sign | roundShift(significand, shift);
  }
  // Normal: adding the rounded 23→10-bit mantissa to the exponent field carries into it when the mantissa overflows.
  return sign | ((halfExponent << 10) + roundShift(mantissa, 13));
}

/** `value >> shift`, rounded to nearest with ties to even. */
function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

export function fromFloat16Bits(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >>> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
