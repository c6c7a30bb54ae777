package org.grad4j.transformer.split;

import java.util.BitSet;
import java.util.List;

/**
 * The result of splitting: the regions (entry first), which blocks head one, which need reverse
 * code, and the headers of taped loop nests (each one region; see {@link TapedLoops}).
 */
public record Split(List<Region> regions, BitSet heads, BitSet needsReverse, BitSet taped) {
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
