package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.grad4j.AD;
import org.grad4j.TransformException;
import org.grad4j.tensor.TensorAD;
import org.grad4j.tensor.TensorFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * In-place changes of tensors with the real agent: a data tensor changed after an operation on
 * differentiable values read it is refused (its rule would read the new values when the reverse
 * runs); changed before, or replaced by a fresh one, it differentiates.
 */
class TensorWritesEndToEndTest {
    private static final DataType D = DataType.DOUBLE;
    private static final INDArray[] SEQ = new INDArray[3];

    @BeforeAll
    static void attach() {
        AD.install();
        Nd4j.getRandom().setSeed(5);
        for (int t = 0; t < SEQ.length; t++) SEQ[t] = Nd4j.rand(D, 1, 3).subi(0.5);
    }

    // ---- refused: a change after an active read

    static double changedAfterUse(INDArray w) {
        INDArray c = Nd4j.valueArrayOf(w.shape(), 2.0, D);
        INDArray a = w.mul(c);
        c.addi(10.0);
        return a.mul(a).sumNumber().doubleValue() + w.mul(c).sumNumber().doubleValue();
    }

    static double maskReusedInALoop(INDArray w) {
        INDArray mask = Nd4j.zeros(D, 4);
        double s = 0;
        for (int i = 0; i < 4; i++) {
            mask.assign(0.0);
            mask.putScalar(i, 1.0);
            s += Transforms.exp(w.mul(mask)).sumNumber().doubleValue() * (i + 1);
        }
        return s;
    }

    static double rnnWithOneInputBuffer(INDArray w) {
        INDArray wx = w.get(NDArrayIndex.interval(0, 3), NDArrayIndex.all());
        INDArray wh = w.get(NDArrayIndex.interval(3, 7), NDArrayIndex.all());
        INDArray h = Nd4j.zeros(D, 1, 4);
        INDArray xt = Nd4j.zeros(D, 1, 3);
        double out = 0;
        for (int t = 0; t < SEQ.length; t++) {
            xt.assign(SEQ[t]);
            h = Transforms.tanh(xt.mmul(wx).add(h.mmul(wh)));
            out += h.getDouble(0, 1);
        }
        return out;
    }

    static double viewOfAUsedTensorChanged(INDArray w) {
        INDArray c = Nd4j.valueArrayOf(new long[] {2, 4}, 2.0, D);
        INDArray a = w.mul(c.getRow(0));
        c.getRow(0).addi(1.0);
        return a.sumNumber().doubleValue();
    }

    static double transformOverwritesAUsedTensor(INDArray w) {
        INDArray c = Nd4j.valueArrayOf(w.shape(), 0.5, D);
        INDArray a = w.mul(c);
        Transforms.tanh(c, false);
        return a.sumNumber().doubleValue();
    }

    static double helperChangesAUsedTensor(INDArray w) {
        INDArray c = Nd4j.valueArrayOf(w.shape(), 0.5, D);
        INDArray a = w.mul(c);
        bump(c);
        return a.sumNumber().doubleValue();
    }

    static void bump(INDArray c) {
        c.addi(1.0);
    }

    private static String refusal(TensorFunction f) {
        return assertThrows(TransformException.class, () -> TensorAD.gradient(f, Nd4j.rand(D, 4).subi(0.5))).getMessage();
    }

    @Test
    void aDataTensorChangedAfterAnActiveOperationReadItIsRefused() {
        String m = refusal(TensorWritesEndToEndTest::changedAfterUse);
        assertTrue(m.contains("TensorWritesEndToEndTest.changedAfterUse (TensorWritesEndToEndTest.java:46)"), m);
        assertTrue(m.contains("in-place INDArray.addi of a tensor that an operation on differentiable values has already "
                + "read (at line 45)"), m);
        assertTrue(m.contains("c = c.add(...)") && m.contains("c.dup()"), m);
    }

    @Test
    void aMaskRewrittenInEachIterationIsRefusedAtItsFirstChange() {
        String m = refusal(TensorWritesEndToEndTest::maskReusedInALoop);
        assertTrue(m.contains("(TensorWritesEndToEndTest.java:54): in-place INDArray.assign"), m);
        assertTrue(m.contains("(at line 56, in an earlier iteration)"), m);
        assertTrue(m.contains("fresh tensor"), m);
    }

    @Test
    void anInputBufferReusedAcrossRnnStepsIsRefused() {
        String m = assertThrows(TransformException.class,
                () -> TensorAD.gradient(TensorWritesEndToEndTest::rnnWithOneInputBuffer, Nd4j.rand(D, 7, 4))).getMessage();
        assertTrue(m.contains("(TensorWritesEndToEndTest.java:68): in-place INDArray.assign"), m);
    }

    @Test
    void changesThroughViewsTransformsAndHelpersAreRefusedToo() {
        String view = refusal(TensorWritesEndToEndTest::viewOfAUsedTensorChanged);
        assertTrue(view.contains("(TensorWritesEndToEndTest.java:78): in-place INDArray.addi"), view);
        String transform = refusal(TensorWritesEndToEndTest::transformOverwritesAUsedTensor);
        assertTrue(transform.contains("in-place Transforms.tanh") && transform.contains("Pass true for dup"), transform);
        String helper = refusal(TensorWritesEndToEndTest::helperChangesAUsedTensor);
        assertTrue(helper.contains("a call of TensorWritesEndToEndTest.bump with a tensor that an operation on "
                + "differentiable values has already read (at line 91)"), helper);
        assertTrue(helper.contains("TensorWritesEndToEndTest.bump (INDArray.addi)"), helper);
    }

    // ---- accepted: changes before the first read, fresh tensors, copies

    /** f = sum(exp(w_i)) * (i + 1) over a fresh mask per i: df/dw_i = (i + 1) exp(w_i). */
    static double freshMaskPerIteration(INDArray w) {
        double s = 0;
        for (int i = 0; i < 4; i++) {
            INDArray mask = Nd4j.zeros(D, 4);
            mask.putScalar(i, 1.0);
            s += Transforms.exp(w.mul(mask)).sumNumber().doubleValue() * (i + 1);
        }
        return s;
    }

    /** c = (5, 3, 3, 3) built in place before its use: f = sum((w c)^2), df/dw = 2 c^2 w. */
    static double builtThenUsed(INDArray w) {
        INDArray c = Nd4j.valueArrayOf(w.shape(), 2.0, D);
        c.addi(1.0);
        c.putScalar(0, 5.0);
        INDArray a = w.mul(c);
        return a.mul(a).sumNumber().doubleValue();
    }

    /** The remedy: c = c.add(10) is a new tensor, free to change. f = sum((2w)^2) + sum(13 w): df/dw = 8w + 13. */
    static double replacedOutOfPlace(INDArray w) {
        INDArray c = Nd4j.valueArrayOf(w.shape(), 2.0, D);
        INDArray a = w.mul(c);
        c = c.add(10.0);
        c.addi(1.0);
        return a.mul(a).sumNumber().doubleValue() + w.mul(c).sumNumber().doubleValue();
    }

    static double rnnWithAFreshInputPerStep(INDArray w) {
        INDArray wx = w.get(NDArrayIndex.interval(0, 3), NDArrayIndex.all());
        INDArray wh = w.get(NDArrayIndex.interval(3, 7), NDArrayIndex.all());
        INDArray h = Nd4j.zeros(D, 1, 4);
        double out = 0;
        for (int t = 0; t < SEQ.length; t++) {
            INDArray xt = Nd4j.zeros(D, 1, 3);
            xt.assign(SEQ[t]);
            h = Transforms.tanh(xt.mmul(wx).add(h.mmul(wh)));
            out += h.getDouble(0, 1);
        }
        return out;
    }

    private static final INDArray SCALE = Nd4j.zeros(D, 4);

    /** A data field set after an operation that read only w and a number: f = sum(2w) + sum(3w), df/dw = 5. */
    static double fieldSetAfterAScalarOperation(INDArray w) {
        INDArray a = w.mul(2.0);
        SCALE.assign(3.0);
        return a.sumNumber().doubleValue() + w.mul(SCALE).sumNumber().doubleValue();
    }

    @Test
    void writesBeforeTheFirstReadAndFreshTensorsDifferentiate() {
        INDArray w = Nd4j.createFromArray(0.1, -0.2, 0.3, -0.4);
        INDArray expected = Transforms.exp(w).mul(Nd4j.createFromArray(1.0, 2.0, 3.0, 4.0));
        assertClose(expected, TensorAD.gradient(TensorWritesEndToEndTest::freshMaskPerIteration, w));
        INDArray c = Nd4j.createFromArray(5.0, 3.0, 3.0, 3.0);
        assertClose(c.mul(c).mul(w).mul(2), TensorAD.gradient(TensorWritesEndToEndTest::builtThenUsed, w));
        assertClose(w.mul(8).add(13), TensorAD.gradient(TensorWritesEndToEndTest::replacedOutOfPlace, w));
        assertClose(Nd4j.valueArrayOf(w.shape(), 5.0, D), TensorAD.gradient(TensorWritesEndToEndTest::fieldSetAfterAScalarOperation, w));
        INDArray w2 = Nd4j.rand(D, 7, 4).subi(0.5);
        assertClose(centralDifferences(TensorWritesEndToEndTest::rnnWithAFreshInputPerStep, w2),
                TensorAD.gradient(TensorWritesEndToEndTest::rnnWithAFreshInputPerStep, w2));
    }

    // ---- Transforms' dup flag: true is out of place

    /** df/dw = 3 w^2 + 1 - tanh(w)^2. */
    static double transformsWithDupTrue(INDArray w) {
        return Transforms.pow(w, 3, true).sumNumber().doubleValue() + Transforms.tanh(w, true).sumNumber().doubleValue();
    }

    static double powInPlace(INDArray w) {
        return Transforms.pow(w.mul(1.0), 2, false).sumNumber().doubleValue();
    }

    static double dupFlagNotConstant(INDArray w) {
        boolean copy = w.length() > 0;
        return Transforms.tanh(w, copy).sumNumber().doubleValue();
    }

    @Test
    void transformsWithDupTrueUseTheOutOfPlaceRule() {
        INDArray w = Nd4j.createFromArray(0.1, -0.2, 0.3, -0.4);
        INDArray t = Transforms.tanh(w);
        INDArray expected = w.mul(w).mul(3).add(t.mul(t).rsub(1.0));
        assertClose(expected, TensorAD.gradient(TensorWritesEndToEndTest::transformsWithDupTrue, w));
        String pow = refusal(TensorWritesEndToEndTest::powInPlace);
        assertTrue(pow.contains("in-place Transforms.pow on an active INDArray")
                && pow.contains("Transforms.pow with true for dup, or its overload without the boolean"), pow);
        String flag = refusal(TensorWritesEndToEndTest::dupFlagNotConstant);
        assertTrue(flag.contains("in-place Transforms.tanh on an active INDArray"), flag);
    }

    // ---- wording

    static double tensorsInAList(INDArray w) {
        List<INDArray> hs = new ArrayList<>();
        hs.add(Transforms.tanh(w));
        return hs.get(0).sumNumber().doubleValue();
    }

    static double accumulatedInPlace(INDArray w) {
        INDArray acc = Nd4j.zeros(w.dataType(), w.shape());
        for (int k = 0; k < 3; k++) acc.addi(w.mul(k));
        return acc.sumNumber().doubleValue();
    }

    static double statesPutIntoABuffer(INDArray w) { // an RNN's states written row by row
        INDArray states = Nd4j.zeros(D, 3, 4);
        INDArray h = w;
        for (int t = 0; t < 3; t++) {
            h = Transforms.tanh(h.mul(0.5).add(t));
            states.putRow(t, h);
        }
        return states.mul(states).sumNumber().doubleValue();
    }

    /** What the refusal of {@link #statesPutIntoABuffer} says to write instead. */
    static double statesStacked(INDArray w) {
        INDArray[] rows = new INDArray[3];
        INDArray h = w;
        for (int t = 0; t < 3; t++) {
            h = Transforms.tanh(h.mul(0.5).add(t));
            rows[t] = h;
        }
        INDArray states = Nd4j.vstack(rows);
        return states.mul(states).sumNumber().doubleValue();
    }

    static double assignedIntoABuffer(INDArray w) {
        INDArray buf = Nd4j.zeros(D, 4);
        buf = buf.assign(w.mul(3));
        return buf.mul(buf).sumNumber().doubleValue();
    }

    static double productIntoAResultArray(INDArray w) {
        INDArray out = Nd4j.zeros(D, 1, 4);
        w.reshape(1, 4).mmul(Nd4j.eye(4).castTo(D), out);
        return out.mul(out).sumNumber().doubleValue();
    }

    /**
     * putRow, assign and a result array write in place whatever their result is assigned to:
     * the refusal must not suggest {@code acc = acc.putRow(...)}, which is refused again, but
     * what works, and the suggested form must differentiate.
     */
    @Test
    void writesIntoADataBufferSayWhatWorksInstead() {
        String put = refusal(TensorWritesEndToEndTest::statesPutIntoABuffer);
        assertTrue(put.contains("in-place INDArray.putRow that puts a differentiable value into a tensor that holds none")
                && put.contains("Nd4j.vstack(rows)") && !put.contains("acc = acc.putRow"), put);
        String assign = refusal(TensorWritesEndToEndTest::assignedIntoABuffer);
        assertTrue(assign.contains("buf = value") && !assign.contains("acc = acc.assign"), assign);
        String product = refusal(TensorWritesEndToEndTest::productIntoAResultArray);
        assertTrue(product.contains("drop the result array") && product.contains("out = x.mmul(y)"), product);

        INDArray w = Nd4j.createFromArray(0.3, -0.7, 0.2, 0.9);
        INDArray g = TensorAD.gradient(TensorWritesEndToEndTest::statesStacked, w);
        INDArray fd = Nd4j.zeros(D, 4);
        for (int i = 0; i < 4; i++) {
            INDArray plus = w.dup(), minus = w.dup();
            plus.putScalar(i, w.getDouble(i) + 1e-6);
            minus.putScalar(i, w.getDouble(i) - 1e-6);
            fd.putScalar(i, (statesStacked(plus) - statesStacked(minus)) / 2e-6);
        }
        assertClose(fd, g);
    }

    static final java.util.function.Function<INDArray, INDArray> GENERIC_ACTIVATION = Transforms::tanh;

    static double throughAGenericFunction(INDArray w) {
        return GENERIC_ACTIVATION.apply(w.mul(2)).sumNumber().doubleValue();
    }

    /** What the refusal of {@link #throughAGenericFunction} says to write instead. */
    interface Activation {
        INDArray apply(INDArray x);
    }

    static final Activation ACTIVATION = x -> Transforms.tanh(x);

    static double throughAnActivationInterface(INDArray w) {
        return ACTIVATION.apply(w.mul(2)).sumNumber().doubleValue();
    }

    @Test
    void aTensorThroughAGenericFunctionIsRefusedWithATensorInterfaceToUse() {
        String m = refusal(TensorWritesEndToEndTest::throughAGenericFunction);
        assertTrue(m.contains("passed to Function.apply as java.lang.Object")
                && m.contains("interface Activation { INDArray apply(INDArray x); }") && !m.contains("double[]"), m);
        INDArray w = Nd4j.createFromArray(0.3, -0.7, 0.2, 0.9);
        INDArray t = Transforms.tanh(w.mul(2));
        assertClose(t.mul(t).rsub(1.0).mul(2), TensorAD.gradient(TensorWritesEndToEndTest::throughAnActivationInterface, w));
    }

    // ---- lambdas of the program's own interfaces: their bodies are found at the sites that made them

    /** An interface only lambdas that change what they are given implement. */
    interface Bump {
        INDArray apply(INDArray x);
    }

    static final Bump IN_PLACE = x -> x.addi(1.0);

    static double bumpedAfterUse(INDArray w) {
        INDArray c = Nd4j.valueArrayOf(w.shape(), 2.0, D);
        INDArray a = w.mul(c);
        IN_PLACE.apply(c);
        return a.mul(a).sumNumber().doubleValue();
    }

    interface Scaler {
        INDArray apply(INDArray x);
    }

    static double capturedAndChangedAfterUse(INDArray w) {
        INDArray c = Nd4j.valueArrayOf(w.shape(), 2.0, D);
        Scaler s = x -> { // changes the tensor it captured
            c.muli(3.0);
            return x.mul(2.0);
        };
        INDArray a = w.mul(c);
        return a.mul(a).sumNumber().doubleValue() + s.apply(w).sumNumber().doubleValue();
    }

    /**
     * A lambda implementing an interface of the program is followed to its body (the method its
     * creating site names): one that only computes differentiates; one that changes a tensor
     * already read, through its argument or what it captured, is refused naming its body.
     */
    @Test
    void lambdasOfTheProgramsInterfacesAreLookedInto() {
        INDArray w = Nd4j.createFromArray(0.3, -0.7, 0.2, 0.9);
        INDArray t = Transforms.tanh(w.mul(2));
        assertClose(t.mul(t).rsub(1.0).mul(2), TensorAD.gradient(TensorWritesEndToEndTest::throughAnActivationInterface, w));
        String bumped = refusal(TensorWritesEndToEndTest::bumpedAfterUse);
        assertTrue(bumped.contains("a call of TensorWritesEndToEndTest.Bump.apply with a tensor that an operation on "
                + "differentiable values has already read") && bumped.contains("(INDArray.addi) changes a tensor in place"), bumped);
        String captured = refusal(TensorWritesEndToEndTest::capturedAndChangedAfterUse);
        // the lambda is called only here, so its body is called as a method (LambdaObjects)
        assertTrue(captured.contains("a call of the lambda in TensorWritesEndToEndTest.capturedAndChangedAfterUse with a tensor")
                && captured.contains("(INDArray.muli)"), captured);
    }

    @Test
    void refusalsSayWhatToWriteForTensors() {
        String list = refusal(TensorWritesEndToEndTest::tensorsInAList);
        assertTrue(list.contains("call of List.add with a differentiable tensor") && list.contains("INDArray[]")
                && !list.contains("primitive double"), list);
        String acc = refusal(TensorWritesEndToEndTest::accumulatedInPlace);
        assertTrue(acc.contains("in-place INDArray.addi that puts a differentiable value into a tensor that holds none")
                && acc.contains("acc = acc.add(...)"), acc);
    }

    // ---- calls that may write what they are given: ND4J beyond INDArray's in-place methods,
    // implementations behind interfaces, abstract methods, overrides and lambdas, and helpers that
    // change a tensor kept in a field

    static double clippedAfterUse(INDArray w) {
        INDArray c = Nd4j.createFromArray(-1.0, 0.0, 1.0, 2.0);
        INDArray a = w.mul(w).mul(c);
        BooleanIndexing.replaceWhere(c, 0.0, Conditions.lessThan(0.5));
        return a.sumNumber().doubleValue();
    }

    static double noiseRefilledByRand(INDArray w) {
        INDArray eps = Nd4j.zeros(D, 4);
        double s = 0;
        for (int t = 0; t < 3; t++) {
            Nd4j.rand(eps);
            s += w.add(eps).mul(w).sumNumber().doubleValue();
        }
        return s;
    }

    static double dropoutMaskRefilledByAnOp(INDArray w) {
        INDArray mask = Nd4j.zeros(D, 4);
        double s = 0;
        for (int t = 0; t < 3; t++) {
            Nd4j.getExecutioner().exec(new BernoulliDistribution(mask, 0.5));
            s += Transforms.tanh(w.mul(mask)).sumNumber().doubleValue();
        }
        return s;
    }

    static double normalizedAfterUse(INDArray w) {
        INDArray c = Nd4j.createFromArray(1.0, 2.0, 3.0, 4.0);
        INDArray a = w.mul(c).mul(w);
        Transforms.normalizeZeroMeanAndUnitVariance(c);
        return a.sumNumber().doubleValue();
    }

    interface Augment {
        void apply(INDArray x, int step);
    }

    static final class Shift implements Augment {
        @Override
        public void apply(INDArray x, int step) {
            x.addi(step);
        }
    }

    interface Check {
        void check(INDArray x, int step);
    }

    /** The only implementation of Check: it reads. */
    static final class Bounds implements Check {
        @Override
        public void check(INDArray x, int step) {
            if (x.length() < step || x.getDouble(0) > 1e9) throw new IllegalStateException();
        }
    }

    abstract static class Jitter {
        abstract void apply(INDArray x);
    }

    static final class Scale extends Jitter {
        @Override
        void apply(INDArray x) {
            x.muli(1.5);
        }
    }

    static class Keep {
        void apply(INDArray x) {}
    }

    static final class Twice extends Keep {
        @Override
        void apply(INDArray x) {
            x.muli(2.0);
        }
    }

    private static final Augment SHIFT = new Shift();
    private static final Check BOUNDS = new Bounds();
    private static final Jitter JITTER = new Scale();
    private static final Keep KEEP = new Twice();

    static double changedThroughAnInterface(INDArray w) {
        INDArray x = Nd4j.ones(D, 4);
        double s = 0;
        for (int t = 0; t < 3; t++) {
            SHIFT.apply(x, t);
            s += w.mul(w).mul(x).sumNumber().doubleValue();
        }
        return s;
    }

    static double changedThroughAnAbstractMethod(INDArray w) {
        INDArray x = Nd4j.ones(D, 4);
        INDArray a = w.mul(x).mul(w);
        JITTER.apply(x);
        return a.sumNumber().doubleValue();
    }

    static double changedThroughAnOverride(INDArray w) {
        INDArray x = Nd4j.ones(D, 4);
        INDArray a = w.mul(x).mul(w);
        KEEP.apply(x);
        return a.sumNumber().doubleValue();
    }

    static double changedThroughAConsumer(INDArray w) {
        INDArray x = Nd4j.ones(D, 4);
        Consumer<INDArray> bump = t -> t.addi(1.0);
        double s = 0;
        for (int t = 0; t < 3; t++) {
            bump.accept(x);
            s += w.mul(x).mul(w).sumNumber().doubleValue();
        }
        return s;
    }

    static final Consumer<INDArray> BUMP = t -> t.addi(1.0);

    static double changedThroughAConsumerFromAField(INDArray w) {
        INDArray x = Nd4j.ones(D, 4);
        double s = 0;
        for (int t = 0; t < 3; t++) {
            BUMP.accept(x);
            s += w.mul(x).mul(w).sumNumber().doubleValue();
        }
        return s;
    }

    interface Fill {
        void into(INDArray x);
    }

    static double changedThroughALambdaOfTheProgram(INDArray w) {
        INDArray x = Nd4j.ones(D, 4);
        Fill fill = t -> t.assign(3.0);
        INDArray a = w.mul(x).mul(w);
        fill.into(x);
        return a.sumNumber().doubleValue();
    }

    /** A bank of noise refilled in place by a helper that takes no tensor. */
    static final class NoiseBank {
        static final INDArray NOISE = Nd4j.zeros(D, 4);
        static int k;

        static void resample() {
            k++;
            NOISE.assign(Nd4j.valueArrayOf(new long[] {4}, (double) k, D));
        }

        /** A new array each time; the field only read. */
        static INDArray fresh() {
            INDArray m = Nd4j.zeros(D, 4);
            m.putScalar(k % 4, 1.0);
            m.addi(NOISE);
            return m;
        }
    }

    static double fieldRefilledByAHelper(INDArray w) {
        double s = 0;
        for (int t = 0; t < 3; t++) {
            NoiseBank.resample();
            s += w.mul(NoiseBank.NOISE).mul(w).sumNumber().doubleValue();
        }
        return s;
    }

    @Test
    void callsThatMayChangeATensorAlreadyReadAreRefused() {
        String clip = refusal(TensorWritesEndToEndTest::clippedAfterUse);
        assertTrue(clip.contains("a call of BooleanIndexing.replaceWhere, which may change in place a tensor it is given")
                && clip.contains("already read (at line ") && clip.contains("c.dup()"), clip);
        String rand = refusal(TensorWritesEndToEndTest::noiseRefilledByRand);
        assertTrue(rand.contains("a call of Nd4j.rand") && rand.contains("in an earlier iteration"), rand);
        String op = refusal(TensorWritesEndToEndTest::dropoutMaskRefilledByAnOp);
        assertTrue(op.contains("a call of OpExecutioner.exec") && op.contains("(or that an op it is given holds)"), op);
        String norm = refusal(TensorWritesEndToEndTest::normalizedAfterUse);
        assertTrue(norm.contains("a call of Transforms.normalizeZeroMeanAndUnitVariance"), norm);
        String shift = refusal(TensorWritesEndToEndTest::changedThroughAnInterface);
        assertTrue(shift.contains("a call of TensorWritesEndToEndTest.Augment.apply with a tensor that an operation on "
                + "differentiable values has already read") && shift.contains("TensorWritesEndToEndTest.Shift.apply (INDArray.addi)"), shift);
        String scale = refusal(TensorWritesEndToEndTest::changedThroughAnAbstractMethod);
        assertTrue(scale.contains("TensorWritesEndToEndTest.Scale.apply (INDArray.muli)"), scale);
        String twice = refusal(TensorWritesEndToEndTest::changedThroughAnOverride);
        assertTrue(twice.contains("TensorWritesEndToEndTest.Twice.apply (INDArray.muli)"), twice);
        String consumer = refusal(TensorWritesEndToEndTest::changedThroughAConsumer);
        assertTrue(consumer.contains("a call of the lambda in TensorWritesEndToEndTest.changedThroughAConsumer with a tensor")
                && consumer.contains("(INDArray.addi)"), consumer);
        String field = refusal(TensorWritesEndToEndTest::changedThroughAConsumerFromAField);
        assertTrue(field.contains("a call of Consumer.accept with a tensor") && field.contains("cannot see"), field);
        String lambda = refusal(TensorWritesEndToEndTest::changedThroughALambdaOfTheProgram);
        assertTrue(lambda.contains("a call of the lambda in TensorWritesEndToEndTest.changedThroughALambdaOfTheProgram with a "
                + "tensor") && lambda.contains("(INDArray.assign)"), lambda);
        String bank = refusal(TensorWritesEndToEndTest::fieldRefilledByAHelper);
        assertTrue(bank.contains("a call of TensorWritesEndToEndTest.NoiseBank.resample after an operation on differentiable "
                + "values read a tensor that a field may hold") && bank.contains("NoiseBank.resample (INDArray.assign)"), bank);
    }

    /**
     * Ordinary code around such calls: fresh noise and masks per step (made by Nd4j.rand(shape)
     * and by an op on a new array), out-of-place Transforms of data, queries, an implementation
     * that only reads, and a helper that reads a field and returns a new array.
     */
    static double freshRandomnessAndReadingCalls(INDArray w) {
        Nd4j.getRandom().setSeed(17);
        INDArray x = Transforms.sigmoid(Nd4j.createFromArray(0.5, -1.0, 2.0, 0.0));
        double s = 0;
        for (int t = 0; t < 3; t++) {
            INDArray eps = Nd4j.rand(D, 4);
            INDArray mask = Nd4j.zeros(D, 4);
            Nd4j.getExecutioner().exec(new BernoulliDistribution(mask, 0.5));
            s += w.mul(x).add(eps).mul(mask).mul(w).sumNumber().doubleValue();
            BOUNDS.check(x, t);
            s += x.getDouble(1) * w.mul(NoiseBank.fresh()).sumNumber().doubleValue() + x.length();
        }
        return s;
    }

    @Test
    void freshTensorsAndCallsThatOnlyReadDifferentiate() {
        INDArray w = Nd4j.createFromArray(0.1, -0.2, 0.3, -0.4);
        assertClose(centralDifferences(TensorWritesEndToEndTest::freshRandomnessAndReadingCalls, w),
                TensorAD.gradient(TensorWritesEndToEndTest::freshRandomnessAndReadingCalls, w));
    }

    // ---- aliases the analysis used to lose

    static double wrappedBufferChanged(INDArray w) {
        INDArray c = Nd4j.valueArrayOf(w.shape(), 2.0, D);
        INDArray a = w.mul(c);
        INDArray v = Nd4j.create(c.data(), c.shape()); // shares c's memory
        v.addi(10.0);
        return a.sumNumber().doubleValue();
    }

    static double changedByALambdaGivenToTheJdk(INDArray w) {
        INDArray c = Nd4j.valueArrayOf(w.shape(), 2.0, D);
        List<INDArray> masks = List.of(c);
        INDArray a = w.mul(c);
        masks.forEach(m -> m.addi(10.0));
        return a.sumNumber().doubleValue();
    }

    /** Changes {@code a} in place unless {@code fresh}: the slot holds the parameter or a new array. */
    static void bumpUnlessFresh(INDArray a, boolean fresh) {
        if (fresh) a = Nd4j.zeros(D, 4);
        a.addi(10.0);
    }

    static double changedThroughAReassignedParameter(INDArray w) {
        INDArray c = Nd4j.valueArrayOf(w.shape(), 2.0, D);
        INDArray a = w.mul(c);
        bumpUnlessFresh(c, false);
        return a.sumNumber().doubleValue();
    }

    @Test
    void aliasesThroughBuffersJdkCallsAndReassignedParametersAreRefused() {
        String wrapped = refusal(TensorWritesEndToEndTest::wrappedBufferChanged);
        assertTrue(wrapped.contains("in-place INDArray.addi of a tensor that an operation on differentiable values has already "
                + "read"), wrapped);
        String forEach = refusal(TensorWritesEndToEndTest::changedByALambdaGivenToTheJdk);
        // (the list's forEach runs as its stream's loop, which calls the lambda: the refusal names it)
        assertTrue(forEach.contains("a call of the lambda in TensorWritesEndToEndTest.changedByALambdaGivenToTheJdk with a tensor "
                + "that an operation on differentiable values has already read") && forEach.contains("(INDArray.addi)"), forEach);
        String reassigned = refusal(TensorWritesEndToEndTest::changedThroughAReassignedParameter);
        assertTrue(reassigned.contains("a call of TensorWritesEndToEndTest.bumpUnlessFresh with a tensor")
                && reassigned.contains("TensorWritesEndToEndTest.bumpUnlessFresh (INDArray.addi)"), reassigned);
    }

    /** A module with a default convenience method, as hand-written network libraries have. */
    interface Module {
        INDArray forward(INDArray x);

        default INDArray apply(INDArray x) {
            return forward(x);
        }
    }

    static final class Scaling implements Module {
        final INDArray s = Nd4j.valueArrayOf(new long[] {4}, 3.0, D);

        @Override
        public INDArray forward(INDArray x) {
            return x.mul(s);
        }
    }

    private static final Scaling SCALING = new Scaling();

    static double throughADefaultMethod(INDArray w) {
        INDArray h = SCALING.apply(w);
        return h.mul(h).sumNumber().doubleValue();
    }

    /** A step the program implements with a lambda: grad4j finds its body at the site that made it. */
    interface Step {
        INDArray run(INDArray w, INDArray c);
    }

    private static final Step STEP = (x, c) -> x.mul(c);

    static double throughALambdaStep(INDArray w) {
        INDArray c = Nd4j.valueArrayOf(w.shape(), 2.0, D);
        return STEP.run(w, c).sumNumber().doubleValue();
    }

    @Test
    void aDefaultMethodOfAnInterfaceIsFollowed() {
        INDArray w = Nd4j.createFromArray(0.1, -0.2, 0.3, -0.4);
        assertClose(w.mul(18.0), TensorAD.gradient(TensorWritesEndToEndTest::throughADefaultMethod, w));
        assertClose(Nd4j.valueArrayOf(w.shape(), 2.0, D), TensorAD.gradient(TensorWritesEndToEndTest::throughALambdaStep, w));
    }

    private static INDArray centralDifferences(TensorFunction f, INDArray w) {
        INDArray g = Nd4j.zeros(D, w.shape());
        for (long i = 0; i < w.length(); i++) {
            INDArray p = w.dup(), m = w.dup();
            p.putScalar(i, w.getDouble(i) + 1e-6);
            m.putScalar(i, w.getDouble(i) - 1e-6);
            g.putScalar(i, (f.apply(p) - f.apply(m)) / 2e-6);
        }
        return g;
    }

    private static void assertClose(INDArray expected, INDArray actual) {
        assertEquals(expected.length(), actual.length());
        for (long i = 0; i < expected.length(); i++) {
            assertEquals(expected.getDouble(i), actual.dup('c').getDouble(i), 1e-6, "element " + i);
        }
    }
}
