package org.grad4j.runtime;

import java.lang.reflect.Array;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The gradients of a model's {@code @Parameter} fields after a gradient ran, one per parameter
 * object: fields that hold the same array or tensor (tied weights, {@code dec = enc}) get the
 * same gradient object, the sum of what reached each of them. Arrays have one shadow per object
 * already ({@link ParameterAdjoints#shadowOf}); tensors accumulate per field and are summed here
 * ({@link TiedTensors}), also with elements of {@code INDArray[]} parameters.
 */
public final class TiedParameters {
    private final ParameterAdjoints adjoints;
    private final TiedTensors tensors;
    private final Map<Object, Object> byObject = new IdentityHashMap<>();

    /**
     * @param adjoints what the gradient accumulated (null when the loss read no parameter)
     * @param withTensors some parameter is a tensor or tensor array (ND4J is loaded)
     */
    public TiedParameters(List<ModelParameters.Ref> parameters, ParameterAdjoints adjoints, boolean withTensors) {
        this.adjoints = adjoints;
        this.tensors = withTensors ? new TiedTensors() : null;
        if (withTensors) addTensorAdjoints(parameters);
    }

    private void addTensorAdjoints(List<ModelParameters.Ref> parameters) {
        Set<Object> arrays = Collections.newSetFromMap(new IdentityHashMap<>());
        for (ModelParameters.Ref p : parameters) {
            Class<?> type = p.field().getType();
            if (Shadows.isTensor(type)) {
                tensors.add(p.value(), adjoints == null ? null : adjoints.fieldAdjoint(p.owner(), p.key()));
            } else if (Shadows.isTensorArray(type) && p.value() != null && arrays.add(p.value())) {
                Object[] elements = (Object[]) p.value();
                Object[] shadow = adjoints == null ? null : (Object[]) adjoints.existingShadow(elements);
                for (int i = 0; i < elements.length; i++) tensors.add(elements[i], shadow == null ? null : shadow[i]);
            }
        }
    }

    /** The gradient of {@code p}: a {@code Double}, or an object shaped like its value, shared by every field holding that value. */
    public Object gradientOf(ModelParameters.Ref p) {
        Class<?> type = p.field().getType();
        if (type == double.class || type == float.class) {
            Object a = adjoints == null ? null : adjoints.fieldAdjoint(p.owner(), p.key());
            return a == null ? 0.0 : a;
        }
        Object value = p.value();
        if (value == null) return null;
        Object known = byObject.get(value);
        if (known != null) return known;
        Object g = Shadows.isTensor(type) ? tensors.gradientOf(value)
                : Shadows.isTensorArray(type) ? tensorArrayGradient((Object[]) value)
                : arrayGradient(value);
        byObject.put(value, g);
        return g;
    }

    private Object arrayGradient(Object value) {
        Object shadow = adjoints == null ? null : adjoints.existingShadow(value);
        return shadow != null ? shadow : zerosLike(value);
    }

    private Object tensorArrayGradient(Object[] elements) {
        Object[] g = (Object[]) Array.newInstance(elements.getClass().getComponentType(), elements.length);
        for (int i = 0; i < elements.length; i++) g[i] = tensors.gradientOf(elements[i]);
        return g;
    }

    private static Object zerosLike(Object a) {
        if (a instanceof double[] d) return new double[d.length];
        if (a instanceof float[] f) return new float[f.length];
        double[][] rows = (double[][]) a;
        double[][] z = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) z[i] = rows[i] == null ? null : new double[rows[i].length];
        return z;
    }
}
