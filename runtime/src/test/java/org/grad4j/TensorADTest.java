package org.grad4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import org.grad4j.runtime.Ctx;
import org.grad4j.runtime.DoubleContinuation;
import org.grad4j.runtime.EntryCall;
import org.grad4j.tensor.INDArrayRules;
import org.grad4j.tensor.TensorAD;
import org.grad4j.tensor.TransformsRules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@link TensorAD} and tensor parameters of {@code AD.gradient(Method, …)} end to end, with
 * {@link FakeBridge} in place of the agent. The {@code *$entry} methods are written by hand as
 * generated entries must be: a tensor's adjoint comes back in {@code ctx.o[j]}, j its ordinal
 * among the tensor parameters; an {@code INDArray[]} is followed by its shadow.
 */
class TensorADTest {
    @BeforeEach
    void installFakeAgent() {
        FakeBridge.install(TensorADTest.class);
    }

    @AfterEach
    void removeFakeAgent() {
        FakeBridge.remove();
    }

    // ---------------------------------------------------------------- functions and their hand-written entries

    static double sumTanh(INDArray x) {
        return Transforms.tanh(x).sumNumber().doubleValue();
    }

    /** Written the way generated code composes rules: forward, resume, then the rules in reverse. */
    static void sumTanh$entry(INDArray x, DoubleContinuation k, Ctx ctx) {
        INDArray y = Transforms.tanh(x);
        Number s = y.sumNumber();
        double v = s.doubleValue();
        double dv = k.resume(v, ctx);
        INDArray dy = INDArrayRules.sumNumber(y, s, dv);
        ctx.o[0] = TransformsRules.tanh(x, y, dy);
    }

    static double constant(INDArray x) {
        return 42;
    }

    /** No path from x to the value: the register stays null, which means zero. */
    static void constant$entry(INDArray x, DoubleContinuation k, Ctx ctx) {
        k.resume(42, ctx);
        ctx.o[0] = null;
    }

    static double mixed(INDArray a, double s, INDArray[] ws, int n, INDArray b) {
        return a.mul(s).sumNumber().doubleValue() + ws[0].sumNumber().doubleValue() * n;
    }

    static void mixed$entry(INDArray a, double s, INDArray[] ws, INDArray[] sws, int n, INDArray b,
                            DoubleContinuation k, Ctx ctx) {
        double dv = k.resume(mixed(a, s, ws, n, b), ctx);
        sws[0] = Nd4j.valueArrayOf(ws[0].shape(), dv * n, ws[0].dataType()); // ws[1] and b: no adjoint (null)
        ctx.d[0] = dv * a.sumNumber().doubleValue();
        ctx.o[0] = a.like().assign(dv * s);
        ctx.o[1] = null;
    }

    // ---------------------------------------------------------------- TensorAD

    @Test
    void gradientOfAMethodReference() {
        INDArray x = Nd4j.create(new double[][] {{0.1, -0.5}, {1.2, 0.3}});
        INDArray g = TensorAD.gradient(TensorADTest::sumTanh, x);
        INDArray t = Transforms.tanh(x);
        assertEquals(t.mul(t).rsub(1.0), g);
        assertArrayEquals(x.shape(), g.shape());
        assertEquals(DataType.DOUBLE, g.dataType());
    }

    @Test
    void float32InFloat32Out() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 4);
        INDArray g = TensorAD.gradient(TensorADTest::sumTanh, x);
        assertEquals(DataType.FLOAT, g.dataType());
        assertArrayEquals(new long[] {3, 4}, g.shape());
    }

    @Test
    void aTensorWithNoPathToTheValueGetsZerosOfItsShapeAndDtype() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 5);
        INDArray g = TensorAD.gradient(TensorADTest::constant, x);
        assertEquals(Nd4j.zeros(DataType.FLOAT, 2, 5), g);
        assertEquals(DataType.FLOAT, g.dataType());
    }

    @Test
    void aCapturingLambdaDifferentiatesOnlyItsArgument() {
        INDArray data = Nd4j.create(new double[] {1, 2, 3});
        INDArray w = Nd4j.create(new double[] {0.5, -1, 2});
        // through the finite-difference entry: Σ (w ⊙ data)² → 2 w data²
        INDArray g = TensorAD.gradient(v -> v.mul(data).norm2Number().doubleValue() * v.mul(data).norm2Number().doubleValue(), w);
        INDArray expected = w.mul(data).mul(data).mul(2);
        assertTrue(expected.equalsWithEps(g, 1e-5), g + " vs " + expected);
    }

    @Test
    void nullPointIsAClearError() {
        GradientException e = assertThrows(GradientException.class, () -> TensorAD.gradient(TensorADTest::sumTanh, null));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
    }

    // ---------------------------------------------------------------- AD.gradient(Method) and the entry contract

    @Test
    void entryTypeGivesINDArrayNoShadowAndINDArrayArraysAShadow() throws Exception {
        Method m = TensorADTest.class.getDeclaredMethod("mixed", INDArray.class, double.class, INDArray[].class, int.class,
                INDArray.class);
        assertEquals(MethodType.methodType(void.class, new Class<?>[] {INDArray.class, double.class, INDArray[].class,
                INDArray[].class, int.class, INDArray.class, DoubleContinuation.class, Ctx.class}), EntryCall.entryType(m));
    }

    @Test
    void methodGradientsOfTensorsScalarsAndTensorArrays() throws Exception {
        Method m = TensorADTest.class.getDeclaredMethod("mixed", INDArray.class, double.class, INDArray[].class, int.class,
                INDArray.class);
        INDArray a = Nd4j.create(new double[] {1, 2});
        INDArray[] ws = {Nd4j.rand(DataType.FLOAT, 2, 2), Nd4j.rand(DataType.DOUBLE, 3)};
        INDArray b = Nd4j.rand(DataType.FLOAT, 4);
        Gradients g = AD.gradient(m, null, a, 3.0, ws, 2, b);
        assertEquals(mixed(a, 3.0, ws, 2, b), g.value(), 1e-12);
        assertEquals(Nd4j.create(new double[] {3, 3}), g.get(0));
        assertEquals(3.0, (Double) g.get(1), 1e-12);
        INDArray[] gws = assertInstanceOf(INDArray[].class, g.get(2));
        assertEquals(2, gws.length);
        assertEquals(Nd4j.valueArrayOf(new long[] {2, 2}, 2.0, DataType.FLOAT), gws[0]);
        assertEquals(Nd4j.zeros(DataType.DOUBLE, 3), gws[1]); // null in the shadow: zeros like the element
        assertNull(g.get(3));
        assertEquals(Nd4j.zeros(DataType.FLOAT, 4), g.get(4));
        assertEquals(DataType.FLOAT, ((INDArray) g.get(4)).dataType());
    }

    static double twoArrays(INDArray[] p, INDArray[] q) {
        return p[0].sumNumber().doubleValue() + 2 * q[0].sumNumber().doubleValue();
    }

    @Test
    void theSameTensorArrayPassedTwiceSharesOneShadowLikeDoubleArrays() throws Exception {
        Method m = TensorADTest.class.getDeclaredMethod("twoArrays", INDArray[].class, INDArray[].class);
        INDArray[] p = {Nd4j.create(new double[] {1, 2})};
        Gradients g = AD.gradient(m, null, p, p); // finite-difference entry: both parameters add into one shadow
        assertSame(g.get(0), g.get(1));
        assertTrue(Nd4j.create(new double[] {3, 3}).equalsWithEps(((INDArray[]) g.get(0))[0], 1e-6));
    }

    @Test
    void methodGradientWithTensorsThroughFiniteDifferences() throws Exception {
        Method m = TensorADTest.class.getDeclaredMethod("sumTanh", INDArray.class);
        INDArray x = Nd4j.create(new double[] {0.3, -0.2});
        Gradients g = AD.gradient(m, null, x);
        INDArray t = Transforms.tanh(x);
        assertTrue(t.mul(t).rsub(1.0).equalsWithEps((INDArray) g.get(0), 1e-8));
    }
}
