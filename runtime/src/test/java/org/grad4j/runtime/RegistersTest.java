package org.grad4j.runtime;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class RegistersTest {
    @Test
    void aGradientTakesTheThreadsSpareRegistersAndANestedOneItsOwn() {
        Ctx first = new Ctx(Long.MAX_VALUE);
        first.releaseRegisters();
        Ctx outer = new Ctx(Long.MAX_VALUE);
        assertSame(first.d, outer.d, "reused: no 3 KiB per gradient");
        Ctx nested = new Ctx(Long.MAX_VALUE);
        assertNotSame(outer.d, nested.d);
        assertNotSame(outer.o, nested.o);
        nested.releaseRegisters();
        outer.releaseRegisters();
        assertSame(outer.d, new Ctx(Long.MAX_VALUE).d, "the outer gradient's, given back last");
    }

    @Test
    void tensorsAreNotKeptAliveByTheSpareRegisters() {
        Ctx ctx = new Ctx(Long.MAX_VALUE);
        ctx.o[0] = new Object();
        ctx.o[255] = new Object();
        ctx.d[3] = 2.5;
        ctx.releaseRegisters();
        Ctx next = new Ctx(Long.MAX_VALUE);
        assertSame(ctx.o, next.o);
        assertNull(next.o[0]);
        assertNull(next.o[255]);
    }
}
