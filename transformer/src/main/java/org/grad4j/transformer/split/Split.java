package org.grad4j.transformer.split;

import java.util.BitSet;
import java.util.List;

/**
 * The result of splitting: the regions (entry first), which blocks head one, which need reverse
 * code, the headers of taped loop nests (each one region; see {@link TapedLoops}), and the heads
 * of loops that run as recursion, whose function is entered again, an iteration per frame, while
 * the frames below it wait; and whether the method is a taped recursion (one region whose calls of
 * itself run inside its functions: see {@link TapedRecursion}).
 */
public record Split(List<Region> regions, BitSet heads, BitSet needsReverse, BitSet taped, BitSet recursiveLoops,
                    boolean tapedRecursion) {
    public boolean isHead(int block) {
        return heads.get(block);
    }

    public boolean needsReverse(int block) {
        return needsReverse.get(block);
    }

    public Region regionHeadedBy(int head) {
        for (Region r : regions) if (!r.stub() && r.head() == head) return r;
        throw new IllegalArgumentException("no region headed by b" + head);
    }
}
