package io.sirocco.tensor.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The class of off-heap segments (allocated, and file mappings, a subclass). A kernel that casts its segment to it
 * before its vector loads gives C2 the receiver type those loads need: {@code ByteVector.fromMemorySegment} and the
 * like reach the segment's base and offset through calls whose type profile lives in the JDK, shared by every caller
 * in the process. Once heap, mapped and allocated segments have all gone through it, the profile is megamorphic, the
 * load is no longer intrinsified, and the kernel runs 3–4.5× slower: in the model, and in KernelBench with pollute=true
 * (without it only one kind of segment ever passes there). Heap segments cannot take the cast; the decode copies and
 * mapped weights are off-heap.
 */
final class Segments {
    private Segments() {}

    static final Class<? extends MemorySegment> NATIVE = MemorySegment.NULL.getClass();
}
