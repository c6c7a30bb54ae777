package org.grad4j.transformer.analysis;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.grad4j.transformer.Refusal;
import org.grad4j.transformer.ir.MethodIr;

/**
 * Control-flow graph facts: predecessors, reverse post-order, dominators, back edges and
 * natural loops. javac emits reducible graphs; a retreating edge whose target does not
 * dominate its source is refused.
 */
public final class Cfg {
    private final MethodIr ir;
    private final List<List<Integer>> preds = new ArrayList<>();
    private final int[] rpo;
    private final int[] rpoIndex;
    private final int[] idom;
    private final List<Loop> loops = new ArrayList<>();

    /** A natural loop: its header and the blocks of its body (header included). */
    public record Loop(int header, BitSet body) {}

    public Cfg(MethodIr ir, Refusal refusal) {
        this.ir = ir;
        int n = ir.size();
        for (int i = 0; i < n; i++) preds.add(new ArrayList<>());
        for (int b = 0; b < n; b++) for (int s : ir.block(b).successors()) preds.get(s).add(b);
        rpo = reversePostOrder(n);
        rpoIndex = new int[n];
        java.util.Arrays.fill(rpoIndex, -1);
        for (int i = 0; i < rpo.length; i++) rpoIndex[rpo[i]] = i;
        idom = dominators(n);
        findLoops(refusal);
    }

    private int[] reversePostOrder(int n) {
        int[] order = new int[n];
        int[] next = new int[n];
        boolean[] seen = new boolean[n];
        int[] stack = new int[n];
        int sp = 0, pos = n;
        stack[sp++] = 0;
        seen[0] = true;
        while (sp > 0) {
            int b = stack[sp - 1];
            int[] succ = ir.block(b).successors();
            if (next[b] < succ.length) {
                int s = succ[next[b]++];
                if (!seen[s]) {
                    seen[s] = true;
                    stack[sp++] = s;
                }
            } else {
                order[--pos] = b;
                sp--;
            }
        }
        return java.util.Arrays.copyOfRange(order, pos, n);
    }

    /** Cooper, Harvey & Kennedy's iterative dominator algorithm over reverse post-order. */
    private int[] dominators(int n) {
        int[] dom = new int[n];
        java.util.Arrays.fill(dom, -1);
        dom[0] = 0;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int b : rpo) {
                if (b == 0) continue;
                int nd = -1;
                for (int p : preds.get(b)) {
                    if (dom[p] == -1) continue;
                    nd = nd == -1 ? p : intersect(dom, p, nd);
                }
                if (nd != dom[b]) {
                    dom[b] = nd;
                    changed = true;
                }
            }
        }
        return dom;
    }

    private int intersect(int[] dom, int a, int b) {
        while (a != b) {
            while (rpoIndex[a] > rpoIndex[b]) a = dom[a];
            while (rpoIndex[b] > rpoIndex[a]) b = dom[b];
        }
        return a;
    }

    public boolean dominates(int a, int b) {
        for (int x = b; ; x = idom[x]) {
            if (x == a) return true;
            if (x == 0 || x == -1) return a == x;
        }
    }

    private void findLoops(Refusal refusal) {
        for (int b : rpo) {
            for (int s : ir.block(b).successors()) {
                if (rpoIndex[s] <= rpoIndex[b]) { // retreating edge
                    if (!dominates(s, b)) {
                        throw refusal.at(ir.block(b).terminator().line(), "irreducible control flow",
                                "The bytecode was not produced by javac from structured code; rewrite the loop as a plain for/while.");
                    }
                    BitSet body = new BitSet();
                    body.set(s);
                    List<Integer> work = new ArrayList<>();
                    if (!body.get(b)) {
                        body.set(b);
                        work.add(b);
                    }
                    while (!work.isEmpty()) {
                        int x = work.remove(work.size() - 1);
                        for (int p : preds.get(x)) {
                            if (rpoIndex[p] >= 0 && !body.get(p)) {
                                body.set(p);
                                work.add(p);
                            }
                        }
                    }
                    loops.add(new Loop(s, body));
                }
            }
        }
    }

    public List<Integer> preds(int b) { return preds.get(b); }

    /** Reachable blocks in reverse post-order. */
    public int[] reversePostOrder() { return rpo.clone(); }

    public boolean isReachable(int b) { return rpoIndex[b] >= 0; }

    public List<Loop> loops() { return loops; }

    /**
     * The loops by header, each the union of the natural loops that share it (a loop with several
     * back edges, as a {@code continue} makes, is several natural loops), in header order.
     */
    public java.util.SortedMap<Integer, BitSet> loopsByHeader() {
        java.util.SortedMap<Integer, BitSet> bodies = new java.util.TreeMap<>();
        for (Loop loop : loops) bodies.computeIfAbsent(loop.header(), h -> new BitSet()).or(loop.body());
        return bodies;
    }
}
