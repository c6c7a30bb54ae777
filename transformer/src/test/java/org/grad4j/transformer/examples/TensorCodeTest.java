package org.grad4j.transformer.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodHandle;
import java.util.function.ToDoubleFunction;
import org.grad4j.TransformException;
import org.grad4j.rules.RuleTable;
import org.grad4j.runtime.Ctx;
import org.grad4j.runtime.DoubleContinuation;
import org.grad4j.transformer.testing.Harness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Tensor adjoints through the transformer, checked against finite differences computed with ND4J. */
class TensorCodeTest {

    @BeforeAll
    static void rules() {
        Harness.install();
        RuleTable.global().registerAll(TensorRulesForTests.Methods.class);
        RuleTable.global().registerAll(TensorRulesForTests.Numbers.class);
        RuleTable.global().registerAll(TensorRulesForTests.Functions.class);
        Nd4j.getRandom().setSeed(3);
    }

    private static INDArray rand(long... shape) {
        return Nd4j.rand(DataType.DOUBLE, shape).subi(0.5);
    }

    /** Runs the entry: registers o[] hold tensor adjoints (null = zero). */
    private static Object[] gradient(String method, String desc, Object... args) throws Throwable {
        MethodHandle entry = Harness.entry(TensorCode.class, method + desc);
        Object[] call = new Object[args.length + 2];
        System.arraycopy(args, 0, call, 0, args.length);
        call[args.length] = (DoubleContinuation) (v, c) -> 1.0;
        Ctx ctx = new Ctx(Long.MAX_VALUE);
        call[args.length + 1] = ctx;
        entry.invokeWithArguments(call);
        return ctx.o.clone();
    }

    private static void checkAgainstFiniteDifferences(INDArray w, INDArray g, ToDoubleFunction<INDArray> f) {
        for (long i = 0; i < w.length(); i++) {
            double x = w.getDouble(i);
            INDArray p = w.dup(), m = w.dup();
            p.putScalar(i, x + 1e-6);
            m.putScalar(i, x - 1e-6);
            double fd = (f.applyAsDouble(p) - f.applyAsDouble(m)) / 2e-6;
            assertEquals(fd, g.getDouble(i), 1e-6, "element " + i);
        }
    }

    @Test
    void oneLayer() throws Throwable {
        INDArray w = rand(3, 2), x = rand(4, 3);
        Object[] o = gradient("layer", "(Lorg/nd4j/linalg/api/ndarray/INDArray;Lorg/nd4j/linalg/api/ndarray/INDArray;)D", w, x);
        checkAgainstFiniteDifferences(w, (INDArray) o[0], v -> TensorCode.layer(v, x));
        checkAgainstFiniteDifferences(x, (INDArray) o[1], v -> TensorCode.layer(w, v));
    }

    @Test
    void loopsHelpersAndTernaries() throws Throwable {
        INDArray w = rand(3, 3), h0 = rand(2, 3);
        Object[] o = gradient("unrolled", "(Lorg/nd4j/linalg/api/ndarray/INDArray;Lorg/nd4j/linalg/api/ndarray/INDArray;I)D", w, h0, 5);
        checkAgainstFiniteDifferences(w, (INDArray) o[0], v -> TensorCode.unrolled(v, h0, 5));
        checkAgainstFiniteDifferences(h0, (INDArray) o[1], v -> TensorCode.unrolled(w, v, 5));
    }

    @Test
    void anArrayOfTensorsGetsOneGradientPerElement() throws Throwable {
        INDArray[] ws = {rand(3, 4), rand(4, 2)};
        INDArray x = rand(5, 3);
        INDArray[] shadow = new INDArray[2];
        MethodHandle entry = Harness.entry(TensorCode.class,
                "layers([Lorg/nd4j/linalg/api/ndarray/INDArray;Lorg/nd4j/linalg/api/ndarray/INDArray;)D");
        Ctx ctx = new Ctx(Long.MAX_VALUE);
        entry.invokeWithArguments(ws, shadow, x, (DoubleContinuation) (v, c) -> 1.0, ctx);
        for (int k = 0; k < 2; k++) {
            int layer = k;
            checkAgainstFiniteDifferences(ws[k], shadow[k], v -> {
                INDArray[] copy = ws.clone();
                copy[layer] = v;
                return TensorCode.layers(copy, x);
            });
        }
    }

    @Test
    void inPlaceOperationsAreRefusedWithTheOutOfPlaceOne() {
        TransformException e = assertThrows(TransformException.class, () -> gradient("inPlace",
                "(Lorg/nd4j/linalg/api/ndarray/INDArray;Lorg/nd4j/linalg/api/ndarray/INDArray;)D", rand(2, 2), rand(2, 2)));
        assertTrue(e.getMessage().contains("in-place INDArray.addi on an active INDArray"), e.getMessage());
        assertTrue(e.getMessage().contains("use add(...)"), e.getMessage());
        assertTrue(e.getMessage().contains("TensorCode.java:"), e.getMessage());
        TransformException row = assertThrows(TransformException.class, () -> gradient("inPlaceRowVector",
                "(Lorg/nd4j/linalg/api/ndarray/INDArray;Lorg/nd4j/linalg/api/ndarray/INDArray;)D", rand(2, 2), rand(1, 2)));
        assertTrue(row.getMessage().contains("in-place INDArray.addiRowVector") && row.getMessage().contains("use addRowVector(...)"),
                row.getMessage());
    }
}
