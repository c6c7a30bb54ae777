package org.grad4j.transformer.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.analysis.Cfg;
import org.grad4j.transformer.analysis.ReadOnlyArrays;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.split.Split;
import org.grad4j.transformer.split.Splitter;
import org.grad4j.transformer.split.TapedLoops;
import org.grad4j.transformer.testing.Analysed;
import org.junit.jupiter.api.Test;

/** What the counted loops of a taped nest push per iteration and once per run (see {@link TapedLoops}). */
class TapedLoopPlansTest {
    @Test
    void aMatrixRowAndItsShadowArePushedOncePerRunOfTheInnerLoop() {
        TapedLoops.CountedLoop inner = onlyCountedLoop("matrixRows");
        assertEquals(List.of(), inner.chains().get(0).objects(), "objects pushed per iteration");
        assertEquals(List.of(), inner.chains().get(0).shadows(), "shadows pushed per iteration");
        assertFalse(inner.once().shadows().isEmpty(), "m[i]'s shadow comes back with the loop's record");
    }

    @Test
    void aDenseLayerPushesNothingPerIterationOfItsInnerLoop() {
        TapedLoops.CountedLoop inner = onlyCountedLoop("dense");
        assertEquals(List.of(), inner.chains().get(0).doubles());
        assertEquals(List.of(), inner.chains().get(0).ints());
        assertEquals(List.of(), inner.chains().get(0).objects());
    }

    @Test
    void aBodyThatBranchesIsCountedWithAMaskOfTheChainsThatRan() {
        // springs' inner loop: boundary conditions on i and a condition on f; i comes back counted,
        // so the chains push the x they read and no index, and no block numbers
        TapedLoops.CountedLoop inner = countedLoops("springs").stream().filter(TapedLoops.CountedLoop::masked)
                .findFirst().orElseThrow();
        assertTrue(inner.chains().size() > 1);
        for (TapedLoops.Chain c : inner.chains()) assertEquals(List.of(), c.ints(), "ints pushed per run of a chain");
    }

    @Test
    void aValueCrossingACutInsideAChainIsPushedOnceAndCopiedBack() {
        // the pair loop's body is cut into blocks by the lifter: a value read in a later block is
        // that block's entry value, the same number as the earlier block's; pushing it per block
        // pushed dx three times, and copies of i and j per pair (n-body: 13 doubles and 5 ints)
        TapedLoops.CountedLoop pairs = countedLoops("pairForces").stream().filter(c -> c.chains().get(0).blocks().size() > 1)
                .findFirst().orElseThrow(() -> new AssertionError("no counted loop of several blocks"));
        TapedLoops.Chain chain = pairs.chains().get(0);
        assertEquals(List.of(), chain.ints(), "ints pushed per pair");
        for (org.grad4j.transformer.ir.Value v : chain.doubles()) {
            assertFalse(v instanceof org.grad4j.transformer.ir.EntryValue e && e.block() != chain.blocks().get(0),
                    v + " is a value of an earlier block of the chain " + chain.blocks());
        }
        assertTrue(chain.redone().stream().anyMatch(r -> r instanceof org.grad4j.transformer.split.Rematerialisation.Copy),
                "the later blocks' entry values come back as copies");
    }

    @Test
    void anElementReadAgainInALaterBlockOfAChainIsPushedOnce() {
        // h[i] is read in every gate of the cell, in several blocks of the lifter's cuts; pushed
        // once and copied back, it is no longer two doubles of the record
        Analysed a = Analysed.of(Loops.class, "gatedCells", p -> p == 0);
        TapedLoops.CountedLoop cells = countedLoops(a).stream().filter(c -> c.chains().get(0).blocks().size() > 1)
                .findFirst().orElseThrow(() -> new AssertionError("no counted loop of several blocks"));
        TapedLoops.Chain chain = cells.chains().get(0);
        assertTrue(chain.redone().stream().anyMatch(r -> r instanceof org.grad4j.transformer.split.Rematerialisation.Copy c
                        && !(c.to() instanceof org.grad4j.transformer.ir.EntryValue)),
                "a repeated load comes back as a copy: " + chain.redone());
        java.util.Set<String> elements = new java.util.HashSet<>();
        for (org.grad4j.transformer.ir.Value v : chain.doubles()) {
            org.grad4j.transformer.ir.Stmt load = definition(a.ir(), chain, v);
            if (load != null && load.opcode() == org.objectweb.asm.Opcodes.DALOAD) {
                assertTrue(elements.add(variable(load.arg(0)) + "[" + variable(load.arg(1)) + "]"), "pushed twice: the element " + load);
            }
        }
        assertFalse(elements.isEmpty(), "h[i] is pushed: " + chain.doubles());
    }

    /** A local variable read where a block starts, by its slot (the same variable in every block of the chain). */
    private static String variable(org.grad4j.transformer.ir.Value v) {
        return v instanceof org.grad4j.transformer.ir.EntryValue e ? "slot " + e.slot() : v.toString();
    }

    private static org.grad4j.transformer.ir.Stmt definition(MethodIr ir, TapedLoops.Chain chain, org.grad4j.transformer.ir.Value v) {
        for (int b : chain.blocks()) for (org.grad4j.transformer.ir.Stmt s : ir.block(b).stmts()) if (s.result() == v) return s;
        return null;
    }

    @Test
    void aLoopWithACheckThatThrowsIsCounted() {
        // the inner loop jumps to a throw when an element is NaN: it is counted all the same, and
        // pushes nothing per iteration but what its reverse reads (no block number, no index)
        TapedLoops.CountedLoop inner = onlyCountedLoop("checkedEveryStep");
        for (TapedLoops.Chain c : inner.chains()) assertEquals(List.of(), c.ints(), "ints pushed per iteration");
    }

    private static TapedLoops.CountedLoop onlyCountedLoop(String method) {
        List<TapedLoops.CountedLoop> counted = countedLoops(method);
        assertEquals(1, counted.size(), method + ": " + Arrays.toString(counted.toArray()));
        return counted.get(0);
    }

    private static List<TapedLoops.CountedLoop> countedLoops(String method) {
        return countedLoops(Analysed.of(Loops.class, method, p -> p == 0)); // the first parameter is the point
    }

    private static List<TapedLoops.CountedLoop> countedLoops(Analysed a) {
        MethodIr ir = a.ir();
        Cfg cfg = a.cfg();
        Activity activity = a.activity();
        ReadOnlyArrays readOnly = ReadOnlyArrays.of(ir, cfg, activity, true);
        Split split = Splitter.split(ir, cfg, activity, Splitter.MAX_TAPED_STATEMENTS, readOnly);
        TapedLoops plan = TapedLoops.plan(ir, cfg, split, activity, readOnly);
        List<TapedLoops.CountedLoop> counted = new java.util.ArrayList<>();
        for (int h = split.taped().nextSetBit(0); h >= 0; h = split.taped().nextSetBit(h + 1)) {
            counted.addAll(plan.of(h).counted().values());
        }
        return counted;
    }
}
