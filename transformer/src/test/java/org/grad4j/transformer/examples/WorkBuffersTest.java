package org.grad4j.transformer.examples;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.grad4j.transformer.analysis.UntrackedParameterStore;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.testing.Analysed;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Opcodes;

/**
 * Which parameter passed without a shadow a differentiable store may reach ({@code
 * Activity.untrackedParameter}, from {@code ParameterArrays}): the refusal names it, so that the
 * entry of a gradient can give that parameter a shadow of its own (a work array). Only the first
 * parameter, {@code w}, is differentiated.
 */
class WorkBuffersTest {

    @Test
    void aBufferStoredIntoDirectlyIsNamed() {
        assertEquals(List.of(2), storeTargets("direct")); // buf, not data
        assertEquals(2, refusedParameter("direct"));
    }

    @Test
    void swappedBuffersMayBeEither() {
        // b[0] = ... stores into b, then a after the swap: both, the refusal names the first
        assertEquals(List.of(1), storeTargets("swapped"));
        assertEquals(1, refusedParameter("swapped"));
    }

    @Test
    void mergesRowsAndCallsAreFollowed() {
        assertEquals(List.of(1), storeTargets("chosen")); // buf != null ? buf : new double[1]
        assertEquals(List.of(1), storeTargets("asRow")); // m[0] of m = {buf}
        assertEquals(List.of(1), storeTargets("throughACall")); // identity(buf) may return buf
        assertEquals(1, refusedParameter("chosen"));
        assertEquals(1, refusedParameter("asRow"));
    }

    @Test
    void dataThatOnlyIsReadIsNotNamed() {
        assertEquals(List.of(), storeTargets("ownArrayOnly"));
        assertDoesNotThrow(() -> analyse("ownArrayOnly").activity().checkSupported());
    }

    /** The untracked parameter each differentiable element store may reach (-1s left out), in order. */
    private static List<Integer> storeTargets(String method) {
        Analysed a = analyse(method);
        List<Integer> targets = new ArrayList<>();
        for (Block b : a.ir().blocks()) {
            for (Stmt s : b.stmts()) {
                if (s.opcode() != Opcodes.DASTORE || !a.activity().isActive(s.arg(2))) continue;
                int p = a.activity().untrackedParameter(s.arg(0));
                if (p >= 0 && !targets.contains(p)) targets.add(p);
            }
        }
        return targets;
    }

    private static int refusedParameter(String method) {
        return assertThrows(UntrackedParameterStore.class, () -> analyse(method).activity().checkSupported()).parameter();
    }

    private static Analysed analyse(String method) {
        return Analysed.of(WorkBuffers.class, method, p -> p == 0);
    }
}
