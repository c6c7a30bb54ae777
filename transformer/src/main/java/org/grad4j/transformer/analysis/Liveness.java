package org.grad4j.transformer.analysis;

import java.util.BitSet;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.MethodIr;

/** Live slots at block entries: live-in = read ∪ (live-out − written). */
public final class Liveness {
    private final MethodIr ir;
    private final BitSet[] liveIn;

    public Liveness(MethodIr ir, Cfg cfg) {
        int n = ir.size();
        liveIn = new BitSet[n];
        for (int i = 0; i < n; i++) liveIn[i] = new BitSet();
        int[] rpo = cfg.reversePostOrder();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int k = rpo.length - 1; k >= 0; k--) {
                Block b = ir.block(rpo[k]);
                BitSet in = liveOut(b);
                for (int s : b.exitValues().keySet()) in.clear(s);
                for (int s : b.reads().keySet()) in.set(s);
                for (int s = in.nextSetBit(0); s >= 0; s = in.nextSetBit(s + 1)) {
                    if (b.entryType(s) == null) in.clear(s);
                }
                if (!in.equals(liveIn[b.index()])) {
                    liveIn[b.index()] = in;
                    changed = true;
                }
            }
        }
        this.ir = ir;
    }

    public BitSet liveIn(int block) {
        return (BitSet) liveIn[block].clone();
    }

    public BitSet liveOut(Block b) {
        BitSet out = new BitSet();
        for (int s : b.successors()) out.or(liveIn[s]);
        return out;
    }

    public BitSet liveOut(int block) {
        return liveOut(ir.block(block));
    }
}
