package org.grad4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The value stack of taped loops: one per thread, reused, never keeping references after a gradient. */
class ValueTapeTest {
    @Test
    void aThreadsTapeIsReusedFromGradientToGradientAndANestedGradientGetsItsOwn() {
        Ctx first = new Ctx(Long.MAX_VALUE);
        ValueTape tape = first.tape();
        assertSame(tape, first.tape());
        Ctx nested = new Ctx(Long.MAX_VALUE);
        assertNotSame(tape, nested.tape(), "in use by the enclosing gradient");
        nested.releaseTape(true);
        first.releaseTape(true);
        Ctx next = new Ctx(Long.MAX_VALUE);
        assertSame(tape, next.tape(), "the spare of the thread");
        next.releaseTape(true);
    }

    @Test
    void growingKeepsWhatWasPushedAndGivingBackResetsTheTops() {
        ValueTape t = ValueTape.borrow();
        double[] d = t.growD(3);
        d[0] = 1.5;
        d[2] = -2;
        t.dTop = 3;
        double[] bigger = t.growD(5000);
        assertTrue(bigger.length >= 5000);
        assertEquals(1.5, bigger[0]);
        assertEquals(-2, bigger[2]);
        assertSame(bigger, t.d);
        t.iTop = 7;
        t.giveBack(true);
        assertEquals(0, t.dTop);
        assertEquals(0, t.iTop);
        assertSame(bigger, t.d, "kept for the next gradient");
    }

    @Test
    void aGradientThatThrewLeavesNoReferenceBehind() {
        ValueTape t = ValueTape.borrow();
        Object[] o = t.growO(4);
        o[0] = new double[1];
        o[3] = new double[2];
        t.oTop = 4;
        t.giveBack(false);
        for (Object x : t.o) assertNull(x);
    }

    @Test
    void moreThanAnArrayCanHoldIsAClearError() {
        ValueTape t = ValueTape.borrow();
        DepthExceededException e = assertThrows(DepthExceededException.class, () -> t.growD(Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("smaller gradients"), e.getMessage());
        t.giveBack(true);
    }
    /** Reduction buffers: zeroed on return, reused shortest-fit, at most two kept (R4 of the reduction probe). */
    @Test
    void reductionBuffersComeBackZeroedAndFewAreKept() {
        ValueTape t = new ValueTape();
        double[] shadow = {1, 1, 1};
        double[] b = t.adjointBuffer(shadow);
        b[0] = 2;
        b[2] = Double.POSITIVE_INFINITY;
        t.addScaled(shadow, b, 0.5);
        assertEquals(2.0, shadow[0], 0);
        assertEquals(1.0, shadow[1], 0, "no iteration added to it");
        assertEquals(Double.POSITIVE_INFINITY, shadow[2], 0);
        assertSame(b, t.adjointBuffer(new double[2]), "kept, and long enough");
        for (double v : b) assertEquals(0.0, v, 0);
        double[] c = {0, 0, Double.POSITIVE_INFINITY};
        double[] none = {7, 7, 7};
        t.addScaled(none, c, 0.0);
        assertEquals(7.0, none[2], 0, "an adjoint of 0 adds nothing, even times an infinite derivative");
        assertEquals(0.0, ValueTape.scaled(0.0, Double.POSITIVE_INFINITY), 0);
        // sizes that keep growing: only the longest two stay
        double[][] given = new double[50][];
        for (int n = 1; n <= 50; n++) {
            double[] s = new double[n];
            given[n - 1] = t.adjointBuffer(s);
            t.addScaled(s, given[n - 1], 1.0);
        }
        assertSame(given[48], t.adjointBuffer(new double[10]), "the shorter of the two kept that fits");
        assertSame(given[49], t.adjointBuffer(new double[10]));
        assertNotSame(given[47], t.adjointBuffer(new double[10]), "not kept");
        assertNull(t.adjointBuffer(null));
    }
}
