package org.grad4j.transformer.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.grad4j.transformer.analysis.ReadOnlyArrays;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.testing.Analysed;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Opcodes;

/**
 * Which element reads of {@link Loops}' methods the reverse may read again: those of arrays the
 * gradient's outermost call did not allocate and nothing writes before its reverse has run.
 */
class ReadOnlyArraysTest {

    @Test
    void inputsThatNothingWritesAreReadOnlyInTheOutermostCallOnly() {
        assertEquals("4 of 4", readOnlyLoads("rosenbrock", true)); // x[i + 1], x[i] three times
        assertEquals("0 of 4", readOnlyLoads("rosenbrock", false)); // a caller may write x after the call
    }

    @Test
    void arraysAllocatedHereAreWrittenAndInputsStayReadOnly() {
        assertEquals("7 of 9", readOnlyLoads("scratch", true)); // order[i], y[j] twice, x[i], y[i] twice, x[j]: not t[i] twice
        assertEquals("4 of 8", readOnlyLoads("scratchRows", true)); // m[k], row[i] twice, v[i]: not the rows of h, nor their elements
    }

    @Test
    void writingAnInputMakesNothingReadOnly() {
        assertEquals("0 of 5", readOnlyLoads("overwrittenAfterNest", true));
        assertEquals("0 of 9", readOnlyLoads("sharedRows", true)); // the clone's rows are the input's
        assertEquals("0 of 9", readOnlyLoads("copiedRows", true)); // so are rows copied in with arraycopy
    }

    @Test
    void arraysAllocatedHereAreSettledWhereNoWriteFollows() {
        // e[i] in the second loop, and x[i] three times in the outermost call
        assertEquals("4 of 4", rereadableLoads("filledBefore", true));
        assertEquals("1 of 4", rereadableLoads("filledBefore", false));
        // e[i] in the last loop only: e[0] is written after the second
        assertEquals("1 of 5", rereadableLoads("filledBeforeAndAfter", false));
        // e goes to a helper that writes it: never settled
        assertEquals("0 of 6", rereadableLoads("filledThenHandedOn", false));
        // e goes back to the caller, which may write it before the reverse runs
        assertEquals("0 of 4", rereadableLoads("squaresAndSum", false));
    }

    @Test
    void allocationsThatOnlyEverHoldDataAreNotActive() {
        assertEquals("0 of 2", activeAllocations("constantWeights")); // w = {...} and scaled: constants only
        assertEquals("2 of 2", activeAllocations("chosenThenWritten")); // either may be the one written
        assertEquals("1 of 1", activeAllocations("filledByHelper")); // a differentiated call writes it
        assertEquals("0 of 4", activeAllocations("constantMatrices")); // k, its two rows, m (one statement)
        assertEquals("3 of 3", activeAllocations("matricesWithDifferentiableRows")); // m holds x, and so its other row; h is written
    }

    /** "k of n": how many of the method's n {@code new double[]}, {@code new double[][]} statements are active. */
    private static String activeAllocations(String method) {
        Analysed a = analyse(method);
        int all = 0, active = 0;
        for (Block b : a.ir().blocks()) {
            for (Stmt s : b.stmts()) {
                if (s.opcode() != Opcodes.NEWARRAY && s.opcode() != Opcodes.ANEWARRAY && s.opcode() != Opcodes.MULTIANEWARRAY) {
                    continue;
                }
                all++;
                if (a.activity().isActive(s.result())) active++;
            }
        }
        return active + " of " + all;
    }

    /** "k of n": how many of the method's n element reads read an array the analysis calls read-only. */
    private static String readOnlyLoads(String method, boolean outermost) {
        return loads(method, outermost, (readOnly, load) -> readOnly.contains(load.arg(0)));
    }

    /** "k of n": how many of the method's n element reads the reverse may read again. */
    private static String rereadableLoads(String method, boolean outermost) {
        return loads(method, outermost, ReadOnlyArrays::rereadable);
    }

    private static String loads(String method, boolean outermost, java.util.function.BiPredicate<ReadOnlyArrays, Stmt> counted) {
        Analysed a = analyse(method);
        ReadOnlyArrays readOnly = ReadOnlyArrays.of(a.ir(), a.cfg(), a.activity(), outermost);
        int loads = 0, readOnlyLoads = 0;
        for (Block b : a.ir().blocks()) {
            for (Stmt s : b.stmts()) {
                if (s.opcode() < Opcodes.IALOAD || s.opcode() > Opcodes.SALOAD) continue;
                loads++;
                if (counted.test(readOnly, s)) readOnlyLoads++;
            }
        }
        return readOnlyLoads + " of " + loads;
    }

    /** One of {@link Loops}' methods, lifted and analysed with every parameter differentiated. */
    private static Analysed analyse(String method) {
        return Analysed.of(Loops.class, method);
    }
}
