package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.grad4j.AD;
import org.grad4j.GradientException;
import org.grad4j.Model;
import org.grad4j.Optimizer;
import org.grad4j.Parameter;
import org.grad4j.ParameterGradients;
import org.grad4j.TransformException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A parameter's numbers reached other than through its own {@code @Parameter} field — an alias
 * field, a captured reference, a static field, a container grad4j did not search, a second
 * parameter sharing its memory — either get their gradient or are refused by name; before, each
 * left a silent zero (or a partial gradient). Expected gradients are derived in the comments.
 */
class ParameterAliasesTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    /** f(w) = w₀ + 2w₁ + 3w₂: ∂f/∂w = (1, 2, 3) at any w. */
    static double weighted(double[] v) {
        return v[0] + 2 * v[1] + 3 * v[2];
    }

    static final class Layer {
        @Parameter double[] w = {0.1, 0.2, 0.3};

        double loss() {
            return weighted(w);
        }
    }

    private static String refusal(Executable call) {
        return assertThrows(GradientException.class, call).getMessage();
    }

    // ---- data arrays that are parameter arrays

    static final class AliasField {
        @Parameter double[] w = {0.1, 0.2, 0.3};
        final double[] view = w;

        double loss() {
            return weighted(view);
        }
    }

    static final class RowField {
        @Parameter double[][] m = {{1, 2}, {3, 4}};
        double[] second = m[1];
    }

    static final class RowsOfData {
        @Parameter double[] a = {1, 2};
        final double[][] table = {{0, 0}, a};
    }

    static final class AliasInAList {
        final Layer layer = new Layer();
        final List<Object> saved = List.of("w", layer.w);
    }

    @Test
    void aDataArrayThatIsAParameterArrayOrRowIsRefusedByName() {
        String alias = refusal(() -> Model.gradient(new AliasField(), AliasField::loss));
        assertTrue(alias.contains(AliasField.class.getName() + ".view (at view) is not a @Parameter, but it holds the same "
                + "array as the @Parameter w"), alias);
        assertTrue(alias.contains("Read w itself inside the loss, or mark view @Parameter too"), alias);

        String row = refusal(() -> Model.gradient(new RowField(), m -> 1.0));
        assertTrue(row.contains(RowField.class.getName() + ".second (at second)") && row.contains("row 1 of the @Parameter m")
                && row.contains("Read m[1] itself"), row);

        String rows = refusal(() -> Model.gradient(new RowsOfData(), m -> 1.0));
        assertTrue(rows.contains(RowsOfData.class.getName() + ".table (at table)")
                && rows.contains("its row 1 is the same array as the @Parameter a"), rows);

        String listed = refusal(() -> Model.gradient(new AliasInAList(), m -> 1.0));
        assertTrue(listed.contains(AliasInAList.class.getName() + ".saved (at saved[1])")
                && listed.contains("the @Parameter layer.w"), listed);
    }

    // ---- what the loss lambda captures

    static final class Net {
        final Layer layer = new Layer();

        double with(double[] v) {
            return weighted(v);
        }

        /** A lambda using this (the model) captures it as its receiver. */
        ParameterGradients gradientThroughThis() {
            return Model.gradient(this, m -> this.layer.loss());
        }
    }

    @Test
    void aCapturedParameterArrayIsRefused() {
        Net net = new Net();
        double[] captured = net.layer.w;
        String message = refusal(() -> Model.gradient(net, m -> m.with(captured)));
        assertTrue(message.contains("the loss captures a double[]") && message.contains("that is the @Parameter layer.w")
                && message.contains("m.layer.w"), message);
        double[][] rows = {captured};
        assertTrue(refusal(() -> Model.gradient(net, m -> m.with(rows[0]))).contains("its element 0 is the @Parameter layer.w"));
        // a copy is data, as before
        double[] copy = net.layer.w.clone();
        assertArrayEquals(new double[] {0, 0, 0}, Model.gradient(net, m -> m.with(copy)).getArray("layer.w"));
    }

    @Test
    void aCapturedModelOrSubModuleCountsLikeTheModelArgument() {
        Net net = new Net();
        Layer layer = net.layer;
        assertArrayEquals(new double[] {1, 2, 3}, Model.gradient(net, m -> layer.loss()).getArray("layer.w"));
        assertArrayEquals(new double[] {1, 2, 3}, Model.gradient(net, m -> net.layer.loss()).getArray("layer.w"));
        assertArrayEquals(new double[] {1, 2, 3}, net.gradientThroughThis().getArray("layer.w"));
        // and through the argument, as always
        assertArrayEquals(new double[] {1, 2, 3}, Model.gradient(net, m -> m.layer.loss()).getArray("layer.w"));
    }

    /** Holds the model in a field; its lambdas read the model through this, not through m. */
    static final class Trainer {
        final Net net = new Net();
        final java.util.List<Net> ensemble = java.util.List.of(new Net());

        double lossThroughTheField() {
            return net.layer.loss();
        }

        ParameterGradients throughThis() {
            return Model.gradient(net, m -> lossThroughTheField());
        }
    }

    @Test
    void anObjectWhoseFieldsReachTheModelCountsLikeTheModelArgument() {
        Trainer trainer = new Trainer();
        // was a silent zero: the reads through trainer.net were data
        assertArrayEquals(new double[] {1, 2, 3}, trainer.throughThis().getArray("layer.w"));
        assertArrayEquals(new double[] {1, 2, 3},
                Model.gradient(trainer.net, m -> trainer.lossThroughTheField()).getArray("layer.w"));
        Net member = trainer.ensemble.get(0);
        assertArrayEquals(new double[] {1, 2, 3},
                Model.gradient(member, m -> trainer.ensemble.get(0).layer.loss()).getArray("layer.w"));
    }

    static final Net STATIC_NET = new Net();

    @Test
    void aModelReachedThroughAStaticFieldOrAContainerCountsLikeTheModelArgument() {
        // were silent zeros: the reads through NET, ref.get() and opt.get() were data
        assertArrayEquals(new double[] {1, 2, 3},
                Model.gradient(STATIC_NET, m -> STATIC_NET.layer.loss()).getArray("layer.w"));
        java.util.concurrent.atomic.AtomicReference<Net> ref = new java.util.concurrent.atomic.AtomicReference<>(new Net());
        assertArrayEquals(new double[] {1, 2, 3}, Model.gradient(ref.get(), m -> ref.get().layer.loss()).getArray("layer.w"));
        java.util.Optional<Net> opt = java.util.Optional.of(new Net());
        assertArrayEquals(new double[] {1, 2, 3}, Model.gradient(opt.get(), m -> opt.get().layer.loss()).getArray("layer.w"));
    }

    /** Its layers in a List: a model reached through a static field must find them there too. */
    static final class Chain {
        final List<Layer> layers = List.of(new Layer());

        double loss() {
            return layers.get(0).loss();
        }
    }

    static final Chain STATIC_CHAIN = new Chain();

    @Test
    void aStaticModelWithLayersInAListCountsLikeTheModelArgument() {
        // was a silent zero: the class holds no @Parameter itself, only a List
        assertArrayEquals(new double[] {1, 2, 3}, Model.gradient(STATIC_CHAIN, m -> STATIC_CHAIN.loss()).getArray("layers[0].w"));
    }

    /** Data arrays kept in a List field, read in the loss. */
    static final class Masked {
        @Parameter double[] w = {1, 2, 3};
        final List<double[]> masks = List.of(new double[] {1, 0, 2});

        double loss() {
            double[] mask = masks.get(0);
            double s = 0;
            for (int i = 0; i < w.length; i++) s += w[i] * w[i] * mask[i];
            return s;
        }
    }

    @Test
    void dataArraysInACollectionFieldAreData() {
        // 2 w_i mask_i
        assertArrayEquals(new double[] {2, 0, 12}, Model.gradient(new Masked(), Masked::loss).getArray("w"));
    }

    /** Hands its parameters out in a List, as weight-decay code often does. */
    static final class ListsItsParameters {
        @Parameter double[] w = {1, 2, 3};
        @Parameter double[] b = {0.5};

        List<double[]> parameters() {
            return List.of(w, b);
        }

        double decay() {
            double s = 0;
            for (double[] p : parameters()) for (double v : p) s += v * v;
            return s;
        }

        /** The list made in one method, cast back in another. */
        double decayOf(List<double[]> ps) {
            double s = 0;
            for (double[] p : ps) for (double v : p) s += v * v;
            return s;
        }
    }

    @Test
    void parametersHandedOutInACollectionAreRefused() {
        // was a silent zero: the arrays came back as objects, their reads as data
        String message = assertThrows(TransformException.class,
                () -> Model.gradient(new ListsItsParameters(), ListsItsParameters::decay)).getMessage();
        assertTrue(message.contains("a cast to double[] of an object taken from a collection") && message.contains("INDArray[]"),
                message);
        String handedOn = assertThrows(TransformException.class,
                () -> Model.gradient(new ListsItsParameters(), m -> m.decayOf(m.parameters()))).getMessage();
        assertTrue(handedOn.contains("a cast to double[] of an object taken from a collection"), handedOn);
    }

    // ---- static parameters

    static final class Table {
        @Parameter static double[] TABLE = {0.1, 0.2, 0.3};
    }

    static final class ReadsAStaticParameter {
        @Parameter double[] w = {1, 2, 3};

        double loss() {
            return weighted(w) + weighted(Table.TABLE);
        }
    }

    static final class HoldsAStaticParameter {
        @Parameter double[] w = {1, 2, 3};
        final Table table = new Table();
    }

    @Test
    void aStaticParameterIsRefused() {
        TransformException read = assertThrows(TransformException.class,
                () -> Model.gradient(new ReadsAStaticParameter(), ReadsAStaticParameter::loss));
        assertTrue(read.getMessage().contains("a read of the static @Parameter field ParameterAliasesTest.Table.TABLE")
                && read.getMessage().contains("Make TABLE an instance field"), read.getMessage());

        String held = refusal(() -> Model.gradient(new HoldsAStaticParameter(), m -> 1.0));
        assertTrue(held.contains("@Parameter field " + Table.class.getName() + ".TABLE is static") && held.contains("instance field"), held);
    }

    // ---- containers: maps and sets are searched like lists

    static final class Heads {
        final Map<String, Layer> byName = new LinkedHashMap<>();
        final Map<String, Layer> sorted = new TreeMap<>();
        final Set<Layer> extra = new LinkedHashSet<>();

        Heads() {
            byName.put("out", new Layer());
            byName.put("aux", new Layer());
            sorted.put("b", new Layer());
            sorted.put("a", new Layer());
            extra.add(new Layer());
        }

        /** 1·f(out) + 2·f(aux) + 3·f(sorted a) + 4·f(sorted b) + 5·f(extra): each w gets its factor times (1, 2, 3). */
        double loss() {
            return weighted(byName.get("out").w) + 2 * byName.get("aux").loss() + 3 * sorted.get("a").loss()
                    + 4 * sorted.get("b").loss() + 5 * extra.iterator().next().loss();
        }
    }

    @Test
    void subModulesInMapsAndSetsAreParametersInTheContainersOrder() {
        Heads heads = new Heads();
        ParameterGradients g = Model.gradient(heads, Heads::loss);
        assertEquals(List.of("byName[out].w", "byName[aux].w", "sorted[a].w", "sorted[b].w", "extra[0].w"),
                new ArrayList<>(g.asMap().keySet()));
        assertArrayEquals(new double[] {1, 2, 3}, g.getArray("byName[out].w"));
        assertArrayEquals(new double[] {2, 4, 6}, g.getArray("byName[aux].w"));
        assertArrayEquals(new double[] {3, 6, 9}, g.getArray("sorted[a].w"));
        assertArrayEquals(new double[] {4, 8, 12}, g.getArray("sorted[b].w"));
        assertArrayEquals(new double[] {5, 10, 15}, g.getArray("extra[0].w"));
        Optimizer.sgd(0.1).step(g);
        assertArrayEquals(new double[] {0.1 - 0.5, 0.2 - 1, 0.3 - 1.5}, heads.extra.iterator().next().w, 1e-15);
    }

    // ---- tensors: views in arrays and lists of data, views of tensor-array elements

    /** A model whose loss also reads its weights through a static field that holds the same array or tensor. */
    static final class Weights {
        @Parameter double[] w = {1, 2, 3};
        @Parameter INDArray t = Nd4j.createFromArray(1.0, 2.0);

        double loss() {
            return w[0] + w[1] + w[2] + t.sumNumber().doubleValue();
        }
    }

    static double[] alsoW;
    static INDArray alsoT;

    static double penalised(Weights m) {
        return m.loss() + alsoW[0] * alsoW[0] + alsoT.mul(alsoT).sumNumber().doubleValue();
    }

    /**
     * Read through the static field, the parameter's value would be a constant there: d/dw0 = 1
     * instead of 1 + 2 w0 = 3. Refused by name where the field is read; a copy in the field is a
     * constant on purpose: the gradient is the loss's alone.
     */
    @Test
    void aParameterReadThroughAStaticFieldIsRefusedACopyIsAConstant() {
        Weights m = new Weights();
        alsoW = m.w;
        alsoT = m.t.dup();
        GradientException viaArray = assertThrows(GradientException.class, () -> Model.gradient(m, ParameterAliasesTest::penalised));
        assertTrue(viaArray.getMessage().contains("a read of the field") && viaArray.getMessage().contains("alsoW")
                && viaArray.getMessage().contains("value of a @Parameter field of the model under another name"), viaArray.getMessage());
        alsoW = m.w.clone();
        alsoT = m.t;
        GradientException viaTensor = assertThrows(GradientException.class, () -> Model.gradient(m, ParameterAliasesTest::penalised));
        assertTrue(viaTensor.getMessage().contains("alsoT"), viaTensor.getMessage());
        alsoT = m.t.dup();
        ParameterGradients g = Model.gradient(m, ParameterAliasesTest::penalised);
        assertArrayEquals(new double[] {1, 1, 1}, g.getArray("w"), 0);
    }

    /** A penalty helper outside the model, handed the model's weights. */
    static final class Penalty {
        double[] w;

        double of() {
            return w[0] * w[0];
        }
    }

    /** Captured by the loss, it reaches a parameter's array: its read of it is refused, not a silent constant. */
    @Test
    void aCapturedHelperHoldingAParameterIsRefusedWhereItReadsIt() {
        Weights m = new Weights();
        Penalty p = new Penalty();
        p.w = m.w;
        GradientException e = assertThrows(GradientException.class, () -> Model.gradient(m, x -> x.loss() + p.of()));
        assertTrue(e.getMessage().contains("Penalty.w") && e.getMessage().contains("value of a @Parameter field of the model"),
                e.getMessage());
        p.w = m.w.clone();
        assertArrayEquals(new double[] {1, 1, 1}, Model.gradient(m, x -> x.loss() + p.of()).getArray("w"), 0);
    }

    /** A method of the model given its own weights as the argument: the read of this.w would be a parameter's. */
    static final class SelfPenalised {
        @Parameter double[] w = {1, 2, 3};

        double loss(double[] v) {
            return v[0] + v[1] + v[2] + w[0] * w[0];
        }
    }

    @Test
    void aMethodGradientAtTheReceiversOwnParameterIsRefused() throws NoSuchMethodException {
        SelfPenalised m = new SelfPenalised();
        java.lang.reflect.Method loss = SelfPenalised.class.getDeclaredMethod("loss", double[].class);
        GradientException e = assertThrows(GradientException.class, () -> AD.gradient(loss, m, (Object) m.w));
        assertTrue(e.getMessage().contains("is the value of the receiver's @Parameter field w"), e.getMessage());
        assertArrayEquals(new double[] {1, 1, 1}, (double[]) AD.gradient(loss, m, (Object) m.w.clone()).get(0), 0);
    }

    private static INDArray flat12() {
        return Nd4j.linspace(DataType.DOUBLE, 0.1, 0.1, 12).reshape(1, 12);
    }

    static final class ViewsInAnArray {
        @Parameter INDArray flat = flat12();
        final INDArray[] layers = {flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 9)).reshape(3, 3),
            flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(9, 12)).reshape(1, 3)};
    }

    static final class ViewsInAList {
        @Parameter INDArray flat = flat12();
        final List<INDArray> parts = List.of(flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 6)));
    }

    static final class ViewOfAnElement {
        @Parameter INDArray[] layers = {Nd4j.rand(DataType.DOUBLE, 2, 2), Nd4j.rand(DataType.DOUBLE, 1, 4)};
        final INDArray firstRow = layers[0].getRow(0);
    }

    @Test
    void tensorViewsOfParametersInArraysListsOrOfElementsAreRefused() {
        String array = refusal(() -> Model.gradient(new ViewsInAnArray(), m -> 1.0));
        assertTrue(array.contains(ViewsInAnArray.class.getName() + ".layers (at layers[0])")
                && array.contains("is a view of (or the same array as) the @Parameter flat")
                && array.contains("Mark layers @Parameter instead"), array);

        String list = refusal(() -> Model.gradient(new ViewsInAList(), m -> 1.0));
        assertTrue(list.contains(ViewsInAList.class.getName() + ".parts (at parts[0])"), list);

        String element = refusal(() -> Model.gradient(new ViewOfAnElement(), m -> 1.0));
        assertTrue(element.contains(ViewOfAnElement.class.getName() + ".firstRow (at firstRow)")
                && element.contains("element 0 of the @Parameter layers"), element);

        CapturedView free = new CapturedView();
        INDArray view = free.w.get(NDArrayIndex.point(0), NDArrayIndex.interval(1, 3));
        String captured = refusal(() -> Model.gradient(free, m -> m.read(view)));
        assertTrue(captured.contains("the loss captures a") && captured.contains("lies inside the memory of the @Parameter w"),
                captured);
    }

    static final class CapturedView {
        @Parameter INDArray w = flat12();

        double read(INDArray x) {
            return x.sumNumber().doubleValue();
        }
    }

    // ---- parameters that share memory

    static final class Overlapping {
        @Parameter INDArray flat = Nd4j.createFromArray(0.1, -0.2, 0.3, 0.4, -0.5, 0.6).reshape(1, 6);
        @Parameter INDArray w = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 4)).reshape(2, 2);
        @Parameter INDArray b = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(4, 6)).reshape(1, 2);
    }

    static final class RowParameter {
        @Parameter double[][] m = {{1, 2}, {3, 4}};
        @Parameter double[] row = m[1];
    }

    /** Two columns of one plain matrix: their bounds interleave, their elements do not. */
    static final class Columns {
        final INDArray matrix = Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}, {5, 6}});
        @Parameter INDArray a = matrix.get(NDArrayIndex.all(), NDArrayIndex.point(0));
        @Parameter INDArray b = matrix.get(NDArrayIndex.all(), NDArrayIndex.point(1));
        final INDArray c = Nd4j.createFromArray(2.0, -1.0, 0.5);

        /** Σ a·c + Σ b²: ∂/∂a = c, ∂/∂b = 2b. */
        double loss() {
            return a.mul(c).sumNumber().doubleValue() + b.mul(b).sumNumber().doubleValue();
        }
    }

    @Test
    void parametersSharingMemoryWithoutBeingOneObjectAreRefused() {
        String tensors = refusal(() -> Model.gradient(new Overlapping(), m -> 1.0));
        assertTrue(tensors.contains("the @Parameter w and the @Parameter flat share memory")
                && tensors.contains("Keep only one of them @Parameter"), tensors);

        String arrays = refusal(() -> Model.gradient(new RowParameter(), m -> 1.0));
        assertTrue(arrays.contains("row 1 of the @Parameter m") && arrays.contains("the @Parameter row")
                && arrays.contains("share memory"), arrays);
    }

    @Test
    void interleavedViewsOfPlainDataAreSeparateParameters() {
        Columns model = new Columns();
        assertTrue(model.a.isView() && model.b.isView());
        ParameterGradients g = Model.gradient(model, Columns::loss);
        assertEquals(model.c, g.get("a"));
        assertEquals(model.b.mul(2), g.get("b"));
    }
}
