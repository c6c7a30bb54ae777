package org.grad4j;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;
import org.grad4j.runtime.EntryCall;
import org.grad4j.runtime.Functions;
import org.grad4j.runtime.ModelParameters;
import org.grad4j.runtime.Outcome;
import org.grad4j.runtime.ParameterAdjoints;
import org.grad4j.runtime.TopContinuation;

/**
 * Gradients with respect to a model object's {@code @Parameter} fields — the way PyTorch users
 * think in {@code module.parameters()}.
 *
 * <pre>{@code
 * final class Net {
 *     @Parameter INDArray w1 = Nd4j.randn(DataType.FLOAT, 784, 256).muli(0.05);
 *     @Parameter INDArray b1 = Nd4j.zeros(DataType.FLOAT, 1, 256);
 *     double loss(INDArray x, INDArray y) { ... reads w1, b1 ... }
 * }
 * Optimizer adam = Optimizer.adam(1e-3);
 * ParameterGradients g = Model.gradient(net, m -> m.loss(x, y));
 * adam.step(g);   // updates net's fields in place
 * }</pre>
 *
 * Parameters are found in the model and in the objects it holds (fields, arrays and lists of
 * sub-modules). Every read of a parameter field in the loss — in any method it calls — is
 * differentiated; what else the lambda captures is data.
 */
public final class Model {
    private Model() {}

    public static <M> ParameterGradients gradient(M model, ModelFunction<M> loss) {
        List<ModelParameters.Ref> parameters = ModelParameters.of(model);
        Functions.Resolved r = Functions.resolveModel(loss, model);
        // the model is the receiver (Net::loss) or the last argument: either way it holds the parameters
        String mask = (r.input() < 0 ? "@" : "") + r.call().activityMask();
        boolean tensors = parameters.stream().map(p -> p.field().getType())
                .anyMatch(t -> org.grad4j.runtime.Shadows.isTensor(t) || org.grad4j.runtime.Shadows.isTensorArray(t));
        Outcome o = EntryCall.onWorker(r.call(), TopContinuation.scalar(1.0), mask, tensors);
        ParameterAdjoints adjoints = o.parameters();
        List<Object> gradients = new ArrayList<>(parameters.size());
        for (ModelParameters.Ref p : parameters) gradients.add(gradientOf(p, adjoints));
        return new ParameterGradients(o.value(), parameters, gradients);
    }

    private static Object gradientOf(ModelParameters.Ref p, ParameterAdjoints adjoints) {
        Object value = p.value();
        Class<?> type = p.field().getType();
        if (type == double.class || type == float.class) {
            Object a = adjoints == null ? null : adjoints.fieldAdjoint(p.owner(), p.key());
            return a == null ? 0.0 : a;
        }
        if (type.isArray() && (type == double[].class || type == float[].class || type == double[][].class)) {
            Object shadow = adjoints == null ? null : adjoints.existingShadow(value);
            return shadow != null ? shadow : zerosLike(value);
        }
        // tensors: only here does ND4J get loaded
        if (type.isArray()) {
            Object shadow = adjoints == null ? null : adjoints.existingShadow(value);
            Object[] elements = (Object[]) value;
            Object[] g = (Object[]) Array.newInstance(type.getComponentType(), elements.length);
            for (int i = 0; i < elements.length; i++) {
                Object e = shadow == null ? null : ((Object[]) shadow)[i];
                g[i] = org.grad4j.tensor.TensorAdjoints.orZeros(e, elements[i]);
            }
            return g;
        }
        Object a = adjoints == null ? null : adjoints.fieldAdjoint(p.owner(), p.key());
        return org.grad4j.tensor.TensorAdjoints.orZeros(a, value);
    }

    private static Object zerosLike(Object a) {
        if (a == null) return null;
        if (a instanceof double[] d) return new double[d.length];
        if (a instanceof float[] f) return new float[f.length];
        double[][] rows = (double[][]) a;
        double[][] z = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) z[i] = rows[i] == null ? null : new double[rows[i].length];
        return z;
    }
}
