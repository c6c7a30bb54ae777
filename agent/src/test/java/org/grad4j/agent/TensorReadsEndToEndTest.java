package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.ToDoubleFunction;
import org.grad4j.AD;
import org.grad4j.Model;
import org.grad4j.Parameter;
import org.grad4j.ParameterGradients;
import org.grad4j.tensor.ReverseWorkspace;
import org.grad4j.tensor.TensorAD;
import org.grad4j.tensor.TensorFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Reads of part of a tensor in Java loops ({@code getDouble}, {@code getRow}, {@code get}, …): their
 * adjoints gather in one buffer per array ({@code ReadAdjoints}), joined to the array's adjoint
 * where the array was made. Gradients against central differences in float64, and the reverse
 * pass's allocations against the size of the tensors.
 */
class TensorReadsEndToEndTest {

    @BeforeAll
    static void attach() {
        AD.install();
        Nd4j.getRandom().setSeed(23);
    }

    // ---------------------------------------------------------------- functions

    static double elementLoop(INDArray w) {
        double s = 0;
        for (int i = 0; i < w.rows(); i++) {
            for (int j = 0; j < w.columns(); j++) {
                double v = w.getDouble(i, j);
                s += Math.sin(v) * (i + 2 * j + 1);
            }
        }
        return s;
    }

    static double vectorLoop(INDArray v) {
        double s = 0;
        for (int i = 0; i < v.length(); i++) s += v.getDouble(i) * v.getDouble(i) * (i + 1);
        return s;
    }

    /** Elements of a transposed view and of an interval view, read by index. */
    static double viewLoops(INDArray w) {
        INDArray t = w.transpose();
        INDArray middle = w.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());
        double s = 0;
        for (int i = 0; i < t.rows(); i++) {
            for (int j = 0; j < t.columns(); j++) s += t.getDouble(i, j) * t.getDouble(i, j) * (i + 1);
        }
        for (int i = 0; i < middle.rows(); i++) {
            for (int j = 0; j < middle.columns(); j++) s += Math.exp(middle.getDouble(i, j)) * (j + 1);
        }
        return s;
    }

    static double rowColumnAndIntervalLoops(INDArray w) {
        double s = 0;
        for (int i = 0; i < w.rows(); i++) s += Transforms.tanh(w.getRow(i)).mul(i + 1).sumNumber().doubleValue();
        for (int j = 0; j < w.columns(); j++) s += w.getColumn(j).mul(w.getColumn(j)).sumNumber().doubleValue() * (j + 1);
        for (int i = 0; i + 2 <= w.rows(); i += 2) {
            s += Transforms.sigmoid(w.get(NDArrayIndex.interval(i, i + 2), NDArrayIndex.interval(1, 3))).sumNumber().doubleValue();
        }
        return s;
    }

    /** Element reads before and after whole-tensor operations on the same tensor, so both kinds of adjoint meet. */
    static double mixed(INDArray w) {
        double s = w.getDouble(0, 0) * 3;
        s += w.mul(w).sumNumber().doubleValue();
        for (int j = 0; j < w.columns(); j++) s += Math.cos(w.getDouble(1, j));
        s += Transforms.tanh(w).mul(w.getRow(2)).sumNumber().doubleValue();
        return s + w.getDouble(2, 1) * w.sumNumber().doubleValue();
    }

    /** The same element read twice in one expression, and again in a loop. */
    static double sameElementTwice(INDArray w) {
        double s = w.getDouble(1, 2) * w.getDouble(1, 2);
        for (int k = 0; k < 3; k++) s += w.getDouble(1, 2) * k;
        return s;
    }

    /** Elements of an intermediate tensor: its reads join its adjoint before its own rule runs. */
    static double intermediate(INDArray w) {
        INDArray h = Transforms.tanh(w.mul(2.0));
        double s = 0;
        for (int i = 0; i < h.rows(); i++) {
            for (int j = 0; j < h.columns(); j++) s += h.getDouble(i, j) * h.getDouble(i, j) * (j + 1);
        }
        return s + h.sumNumber().doubleValue();
    }

    static double at(INDArray w, int i, int j) {
        return w.getDouble(i, j) * w.getDouble(i, j);
    }

    /** Reads inside a called method, from a loop. */
    static double helperLoop(INDArray w) {
        double s = 0;
        for (int i = 0; i < w.rows(); i++) {
            for (int j = 0; j < w.columns(); j++) s += at(w, i, j) * (i + 1);
        }
        return s;
    }

    // ---------------------------------------------------------------- checks

    private static void assertMatchesCentralDifferences(TensorFunction grad, ToDoubleFunction<INDArray> f, INDArray w) {
        INDArray g = TensorAD.gradient(grad, w);
        assertArrayEquals(w.shape(), g.shape());
        INDArray gc = g.dup('c');
        INDArray wc = w.dup('c');
        for (long k = 0; k < wc.length(); k++) {
            INDArray p = wc.dup(), m = wc.dup();
            p.putScalar(k, wc.getDouble(k) + 1e-6);
            m.putScalar(k, wc.getDouble(k) - 1e-6);
            double expected = (f.applyAsDouble(p) - f.applyAsDouble(m)) / 2e-6;
            assertEquals(expected, gc.getDouble(k), 1e-6 * Math.max(1, Math.abs(expected)), "element " + k);
        }
    }

    @Test
    void elementLoopsOverMatricesAndVectorsMatchCentralDifferences() {
        INDArray w = Nd4j.randn(DataType.DOUBLE, 4, 5);
        assertMatchesCentralDifferences(TensorReadsEndToEndTest::elementLoop, TensorReadsEndToEndTest::elementLoop, w);
        INDArray v = Nd4j.randn(DataType.DOUBLE, 1, 7).reshape(7);
        assertMatchesCentralDifferences(TensorReadsEndToEndTest::vectorLoop, TensorReadsEndToEndTest::vectorLoop, v);
        assertMatchesCentralDifferences(TensorReadsEndToEndTest::helperLoop, TensorReadsEndToEndTest::helperLoop, w);
    }

    @Test
    void elementLoopsOverViewsMatchCentralDifferences() {
        INDArray w = Nd4j.randn(DataType.DOUBLE, 4, 3);
        assertMatchesCentralDifferences(TensorReadsEndToEndTest::viewLoops, TensorReadsEndToEndTest::viewLoops, w);
        // the input itself a view in 'f' order
        INDArray f = Nd4j.randn(DataType.DOUBLE, 3, 4).transpose();
        assertMatchesCentralDifferences(TensorReadsEndToEndTest::elementLoop, TensorReadsEndToEndTest::elementLoop, f);
    }

    @Test
    void rowColumnAndIntervalLoopsMatchCentralDifferences() {
        INDArray w = Nd4j.randn(DataType.DOUBLE, 4, 3);
        assertMatchesCentralDifferences(TensorReadsEndToEndTest::rowColumnAndIntervalLoops,
                TensorReadsEndToEndTest::rowColumnAndIntervalLoops, w);
    }

    @Test
    void elementReadsMixedWithWholeTensorOperationsMatchCentralDifferences() {
        INDArray w = Nd4j.randn(DataType.DOUBLE, 3, 4);
        assertMatchesCentralDifferences(TensorReadsEndToEndTest::mixed, TensorReadsEndToEndTest::mixed, w);
        assertMatchesCentralDifferences(TensorReadsEndToEndTest::intermediate, TensorReadsEndToEndTest::intermediate, w);
    }

    @Test
    void theSameElementReadTwiceCountsTwice() {
        INDArray w = Nd4j.randn(DataType.DOUBLE, 3, 4);
        INDArray g = TensorAD.gradient(TensorReadsEndToEndTest::sameElementTwice, w);
        INDArray expected = Nd4j.zeros(DataType.DOUBLE, 3, 4);
        expected.putScalar(1, 2, 2 * w.getDouble(1, 2) + 3);
        assertEquals(expected, g);
    }

    @Test
    void aGradientAfterAnotherStartsFromZeros() {
        INDArray w = Nd4j.randn(DataType.DOUBLE, 3, 4);
        INDArray first = TensorAD.gradient(TensorReadsEndToEndTest::sameElementTwice, w).dup();
        assertEquals(first, TensorAD.gradient(TensorReadsEndToEndTest::sameElementTwice, w));
    }

    /** A table of weights read element by element, through the field in every iteration and through a local. */
    static final class Table {
        @Parameter INDArray w = Nd4j.randn(DataType.DOUBLE, 3, 4);
        @Parameter INDArray[] layers = {Nd4j.randn(DataType.DOUBLE, 2, 2), Nd4j.randn(DataType.DOUBLE, 1, 3)};

        double loss() {
            double s = 0;
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 4; j++) s += Math.sin(w.getDouble(i, j)) * (i + j + 1);
            }
            INDArray local = w;
            for (int j = 0; j < 4; j++) s += local.getDouble(2, j) * local.getDouble(0, j);
            for (int k = 0; k < layers.length; k++) {
                for (int c = 0; c < layers[k].columns(); c++) s += layers[k].getDouble(0, c) * (k + c + 1);
            }
            return s + w.mul(w).sumNumber().doubleValue();
        }
    }

    @Test
    void aTensorParameterReadElementByElementMatchesCentralDifferences() {
        Table t = new Table();
        ParameterGradients g = Model.gradient(t, Table::loss);
        INDArray dw = (INDArray) g.get("w");
        for (long k = 0; k < t.w.length(); k++) {
            double v = t.w.getDouble(k);
            t.w.putScalar(k, v + 1e-6);
            double plus = t.loss();
            t.w.putScalar(k, v - 1e-6);
            double minus = t.loss();
            t.w.putScalar(k, v);
            assertEquals((plus - minus) / 2e-6, dw.getDouble(k), 1e-6, "w element " + k);
        }
        INDArray[] dl = (INDArray[]) g.get("layers");
        for (int l = 0; l < t.layers.length; l++) {
            INDArray x = t.layers[l];
            for (long k = 0; k < x.length(); k++) {
                double v = x.getDouble(k);
                x.putScalar(k, v + 1e-6);
                double plus = t.loss();
                x.putScalar(k, v - 1e-6);
                double minus = t.loss();
                x.putScalar(k, v);
                assertEquals((plus - minus) / 2e-6, dl[l].getDouble(k), 1e-6, "layers[" + l + "] element " + k);
            }
        }
    }

    static double squares(INDArray w) {
        double s = 0;
        for (int i = 0; i < w.rows(); i++) {
            for (int j = 0; j < w.columns(); j++) {
                double v = w.getDouble(i, j);
                s += v * v;
            }
        }
        return s;
    }

    static double rowTanh(INDArray w) {
        double s = 0;
        for (int i = 0; i < w.rows(); i++) s += Transforms.tanh(w.getRow(i)).sumNumber().doubleValue();
        return s;
    }

    /**
     * The reverse pass allocates in proportion to the tensor, not to the number of reads times its
     * size: each read used to add zeros the size of the whole tensor (1,024 reads of a 32×32 tensor:
     * ~16 MB for an 8 KB tensor; 64 rows of a 64×16 one: ~1 MB).
     */
    @Test
    void readsInALoopAllocateInProportionToTheTensorNotToTheReads() {
        INDArray w = Nd4j.rand(DataType.DOUBLE, 32, 32);
        assertEquals(w.mul(2), TensorAD.gradient(TensorReadsEndToEndTest::squares, w));
        long bytes = ReverseWorkspace.lastAllocatedBytes();
        long size = w.length() * 8;
        assertTrue(bytes > 0 && bytes <= 2 * size, "the reverse pass allocated " + bytes + " bytes for a tensor of " + size);

        INDArray r = Nd4j.rand(DataType.DOUBLE, 64, 16);
        TensorAD.gradient(TensorReadsEndToEndTest::rowTanh, r);
        bytes = ReverseWorkspace.lastAllocatedBytes();
        size = r.length() * 8;
        assertTrue(bytes > 0 && bytes <= 6 * size, "the reverse pass allocated " + bytes + " bytes for a tensor of " + size);
    }
}
