package org.grad4j;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.grad4j.runtime.ModelParameters;

/**
 * The value of a model's loss and the gradient of every {@code @Parameter} field of the model
 * (and of the objects it holds), from {@link Model#gradient}. A gradient has the parameter's
 * type: {@code Double} for a scalar, an array of the parameter's shape, an {@code INDArray} of its
 * shape and dtype; parameters the loss does not read get zeros.
 */
public final class ParameterGradients {
    private final double value;
    private final List<ModelParameters.Ref> parameters;
    private final Map<String, Object> byPath = new LinkedHashMap<>();

    ParameterGradients(double value, List<ModelParameters.Ref> parameters, List<Object> gradients) {
        this.value = value;
        this.parameters = List.copyOf(parameters);
        for (int i = 0; i < parameters.size(); i++) byPath.put(parameters.get(i).path(), gradients.get(i));
    }

    /** The loss. */
    public double value() {
        return value;
    }

    /** The gradient of the parameter at {@code path} (e.g. {@code "slope"}, {@code "layers[1].weights"}). */
    public Object get(String path) {
        if (!byPath.containsKey(path)) {
            throw new GradientException("grad4j: the model has no @Parameter at '" + path + "'; it has " + byPath.keySet());
        }
        return byPath.get(path);
    }

    /** The gradient of a scalar parameter ({@code double}, {@code float}, {@code Double}). */
    public double getDouble(String path) {
        Object g = get(path);
        if (g instanceof Number n) return n.doubleValue();
        throw wrongType(path, g, "getDouble", "a scalar");
    }

    /** The gradient of a {@code double[]} parameter. */
    public double[] getArray(String path) {
        Object g = get(path);
        if (g instanceof double[] a) return a;
        throw wrongType(path, g, "getArray", "a double[]");
    }

    private static GradientException wrongType(String path, Object g, String getter, String wanted) {
        String is = g == null ? "null" : g instanceof Number ? "a scalar (use getDouble)" : g instanceof double[] ? "a double[] (use getArray)"
                : "a " + g.getClass().getSimpleName() + " (use get and cast it: (" + g.getClass().getSimpleName() + ") g.get(\"" + path + "\"))";
        return new GradientException("grad4j: " + getter + "(\"" + path + "\") wants the gradient of " + wanted
                + " parameter, but the parameter at '" + path + "' has a gradient of its own type: " + is + ".");
    }

    /** Every parameter's gradient by path, in field order. */
    public Map<String, Object> asMap() {
        return Collections.unmodifiableMap(byPath);
    }

    /** The parameters themselves, for optimisers. */
    public List<ModelParameters.Ref> parameters() {
        return parameters;
    }

    /** The sum of squares of every gradient entry (for clipping and progress reports). */
    public double squaredNorm() {
        double s = 0;
        for (Object g : byPath.values()) s += Gradient.squaredNorm(g);
        return s;
    }

    @Override
    public String toString() {
        return "ParameterGradients{value=" + value + ", parameters=" + byPath.keySet() + "}";
    }

    /** Element-wise helpers over the gradient types, without ND4J where none is used. */
    static final class Gradient {
        private Gradient() {}

        static double squaredNorm(Object g) {
            if (g instanceof Double d) return d * d;
            if (g instanceof double[] a) {
                double s = 0;
                for (double v : a) s += v * v;
                return s;
            }
            if (g instanceof float[] a) {
                double s = 0;
                for (float v : a) s += v * v;
                return s;
            }
            if (g instanceof Object[] rows) {
                double s = 0;
                for (Object r : rows) s += squaredNorm(r);
                return s;
            }
            return g == null ? 0 : org.grad4j.tensor.TensorParameters.squaredNorm(g);
        }
    }
}
