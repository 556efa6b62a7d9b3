package io.sirocco.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Zeroed off-heap memory for large read-mostly arrays (repacked weights), on Linux mapped anonymously and advised for
 * transparent huge pages (madvise(MADV_HUGEPAGE), which the common THP setting "madvise" needs): streaming hundreds of
 * MB through 4 KiB pages costs a page walk every 4 KiB, and their page tables then crowd L2. Freed when unreachable.
 * Elsewhere, or if a call fails, plain {@link Arena#ofAuto()} memory.
 */
public final class HugePages {
    private HugePages() {}

    private static final long HUGE = 2L << 20;
    private static final int PROT_READ_WRITE = 0x3, MAP_PRIVATE_ANONYMOUS = 0x22, MADV_HUGEPAGE = 14;
    private static final MethodHandle MMAP, MADVISE, MUNMAP;

    static {
        MethodHandle mmap = null, madvise = null, munmap = null;
        try {
            if (System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
                Linker linker = Linker.nativeLinker();
                var libc = linker.defaultLookup();
                mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            }
        } catch (RuntimeException | Error e) {  // no native access, no such symbols: plain allocation
            mmap = madvise = munmap = null;
        }
        MMAP = mmap;
        MADVISE = madvise;
        MUNMAP = munmap;
    }

    /**
     * Whether {@code size} more bytes of anonymous memory leave the machine at least max(2 GiB, a tenth of its RAM)
     * available (Linux /proc/meminfo; elsewhere, or unreadable, true). Copies that do not pass are not made: with no
     * swap, anonymous memory past that point gets the process killed, where mapped weights would only be re-read.
     */
    public static boolean affordable(long size) {
        return affordable(size, PhysicalMemory.fromMeminfo().orElse(null));
    }

    static boolean affordable(long size, PhysicalMemory mem) {
        if (mem == null || mem.available() < 0) return true;
        return mem.available() - size >= Math.max(2L << 30, mem.total() / 10);
    }

    /** {@code size} zero bytes aligned to 2 MiB where huge pages are had, else to 64 bytes. */
    public static MemorySegment allocate(long size) {
        if (MMAP == null || size < HUGE) return Arena.ofAuto().allocate(Math.max(1, size), 64);
        long total = (size + 2 * HUGE - 1) / HUGE * HUGE;  // room to align the start to 2 MiB
        MemorySegment base;
        try {
            base = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, total, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
        } catch (Throwable e) {
            return Arena.ofAuto().allocate(size, 64);
        }
        if (base.address() == -1L) throw new OutOfMemoryError("mmap of " + total + " bytes failed");
        long skip = (HUGE - base.address() % HUGE) % HUGE;
        try {
            int ignored = (int) MADVISE.invokeExact(MemorySegment.ofAddress(base.address() + skip), total - skip, MADV_HUGEPAGE);
        } catch (Throwable e) {
            // advice refused (THP off): still ordinary zeroed anonymous memory
        }
        long address = base.address();
        MemorySegment all = base.reinterpret(total, Arena.ofAuto(), s -> unmap(address, total));
        return all.asSlice(skip, size);
    }

    /**
     * Asks that a file mapping be backed by huge pages where the kernel can (page cache in large folios, Linux 6.x
     * with a filesystem that supports them): the same page walks are saved on mapped weights. Only the 2 MiB-aligned
     * part is advised; a refusal changes nothing.
     */
    public static void adviseHuge(MemorySegment mapping) {
        if (MADVISE == null || mapping.byteSize() < 2 * HUGE) return;
        long start = (mapping.address() + HUGE - 1) / HUGE * HUGE, end = (mapping.address() + mapping.byteSize()) / HUGE * HUGE;
        try {
            int ignored = (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), end - start, MADV_HUGEPAGE);
        } catch (Throwable e) {
            // advice refused: 4 KiB pages as before
        }
    }

    private static void unmap(long address, long size) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), size);
        } catch (Throwable e) {
            // nothing to do: the mapping stays until exit
        }
    }
}
