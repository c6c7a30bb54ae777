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
}
