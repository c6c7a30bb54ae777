package org.grad4j.transformer.split;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.analysis.Cfg;
import org.grad4j.transformer.analysis.Liveness;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.objectweb.asm.Type;

/**
 * The environments of loops (DESIGN §4.4): values a loop reads but never writes ({@code x}, {@code n},
 * data arrays, shadows) travel in one object built once per loop entry, instead of as
 * parameters of every iteration's frame, and the adjoints of the active ones accumulate in its
 * fields instead of coming back through registers. Frames shrink accordingly: an argument
 * passed on the stack costs space in every one of a million frames.
 *
 * <p>A loop gets an environment when its header heads a function that is entered by plain edges
 * only (not the point after a call, not the method's entry) and it has at least two invariants
 * that no enclosing loop's environment already holds.
 */
public final class LoopEnvironments {
    /** Pseudo-slot numbers of environment parameters: {@code ENV_SLOT + header}. */
    public static final int ENV_SLOT = 1 << 20;
    private static final int MIN_FIELDS = 2;

    /** One loop's environment: the slots it holds (with their types at the header) and the loop's body. */
    public record LoopEnv(int header, BitSet body, int[] fields, Type[] types) {
        public int slot() {
            return ENV_SLOT + header;
        }

        public boolean holds(int slot) {
            for (int f : fields) if (f == slot) return true;
            return false;
        }
    }

    private final List<LoopEnv> envs = new ArrayList<>(); // outer before inner

    public LoopEnvironments(MethodIr ir, Cfg cfg, Liveness liveness, Split split, Activity activity) {
        BitSet afterCalls = new BitSet();
        for (Block b : ir.blocks()) {
            Stmt last = b.lastStmt();
            if (last != null && activity.isActiveCall(last)) afterCalls.set(b.successors()[0]);
        }
        List<Integer> headers = new ArrayList<>();
        java.util.Map<Integer, BitSet> bodies = cfg.loopsByHeader();
        for (int h : bodies.keySet()) {
            // a taped nest is one function, entered once: its invariants are parameters once, no object needed
            if (!split.isHead(h) || split.taped().get(h) || h == 0 || afterCalls.get(h) || ir.block(h).slotCount() > ir.maxLocals()) continue;
            headers.add(h);
        }
        headers.sort(Comparator.comparingInt(h -> -bodies.get(h).cardinality())); // outer loops first
        for (int h : headers) {
            BitSet body = bodies.get(h);
            BitSet invariant = liveness.liveIn(h);
            for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
                for (int s : ir.block(b).exitValues().keySet()) invariant.clear(s);
            }
            for (LoopEnv outer : envs) {
                if (outer.body().get(h)) for (int f : outer.fields()) invariant.clear(f);
            }
            if (invariant.cardinality() < MIN_FIELDS) continue;
            int[] fields = invariant.stream().toArray();
            Type[] types = new Type[fields.length];
            for (int k = 0; k < fields.length; k++) types[k] = ir.block(h).entryType(fields[k]);
            envs.add(new LoopEnv(h, body, fields, types));
        }
    }

    /** The environments whose loops contain {@code head}, outer first. */
    public List<LoopEnv> around(int head) {
        List<LoopEnv> r = new ArrayList<>();
        for (LoopEnv e : envs) if (e.body().get(head)) r.add(e);
        return r;
    }

    public LoopEnv headedBy(int header) {
        for (LoopEnv e : envs) if (e.header() == header) return e;
        return null;
    }

    public List<LoopEnv> all() {
        return envs;
    }
}
