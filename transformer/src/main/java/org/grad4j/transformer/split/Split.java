package org.grad4j.transformer.split;

import java.util.BitSet;
import java.util.List;

/** The result of splitting: the regions (entry first), which blocks head one, and which need reverse code. */
public record Split(List<Region> regions, BitSet heads, BitSet needsReverse) {
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
