package org.grad4j.runtime;

import java.lang.reflect.Array;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The adjoints of {@code @Parameter} fields read during one gradient computation: a shadow per
 * parameter array (found again by identity wherever the array is read), and an accumulated
 * adjoint per scalar or tensor field of each model object. Called by generated code.
 */
public final class ParameterAdjoints {
    private final Map<Object, Object> shadows = new IdentityHashMap<>();
    private final Map<Object, Map<String, Object>> fields = new IdentityHashMap<>();
    /** Tensor sums {@link #addTensor} made itself: referenced from {@link #fields} only, so updated in place. */
    private final Set<Object> ownedSums = Collections.newSetFromMap(new IdentityHashMap<>());

    /** The array last asked for, and its shadow: a loop reads the same parameter's elements again and again. */
    private Object lastArray, lastShadow;

    /** The shadow of a parameter array, zeros on first use; null for a null array. */
    public Object shadowOf(Object array) {
        if (array == null) return null;
        if (array == lastArray) return lastShadow;
        Object shadow = shadows.computeIfAbsent(array, ParameterAdjoints::zerosLike);
        lastArray = array;
        lastShadow = shadow;
        return shadow;
    }

    private static Object zerosLike(Object a) {
        if (a instanceof double[] d) return new double[d.length];
        if (a instanceof float[] f) return new float[f.length];
        if (a instanceof double[][] rows) { // the usual matrix parameter, without reflection
            double[][] z = new double[rows.length][];
            for (int i = 0; i < rows.length; i++) if (rows[i] != null) z[i] = (double[]) zerosLike(rows[i]);
            return z;
        }
        int n = Array.getLength(a);
        Object z = Array.newInstance(a.getClass().getComponentType(), n);
        if (a.getClass().getComponentType().isArray()) {
            for (int i = 0; i < n; i++) {
                Object row = Array.get(a, i);
                if (row != null) Array.set(z, i, zerosLike(row)); // rows shared with other parameters keep one shadow only if read first
            }
        }
        return z; // tensor arrays: element adjoints start null (zero)
    }

    /** {@code owner.field += adjoint} for a scalar field ({@code owner} null for a static field). */
    public void addScalar(Object owner, String field, double adjoint) {
        if (owner == lastScalarOwner && field == lastScalarField) { // a loop reading one parameter: no lookups
            lastScalarSum[0] += adjoint;
            return;
        }
        Map<String, Object> m = fields.computeIfAbsent(owner == null ? ParameterAdjoints.class : owner, k -> new HashMap<>());
        double[] sum = (double[]) m.computeIfAbsent(field, k -> new double[1]); // one cell per field, not a box per read
        sum[0] += adjoint;
        lastScalarOwner = owner;
        lastScalarField = field; // the generated code's constant: the same String object at every read of the field
        lastScalarSum = sum;
    }

    /**
     * The cell of the scalar parameter added to last: a bias read once per sample added its
     * adjoint through two map lookups per sample (a 16-feature logistic regression's gradient,
     * ~18 × its loss).
     */
    private Object lastScalarOwner;
    private String lastScalarField;
    private double[] lastScalarSum;

    /**
     * {@code owner.field += adjoint} for a tensor field. The first contribution is kept as it
     * comes (rules share adjoints, so it is not ours to update); the second makes a new sum,
     * which only this map ever holds until the gradient is handed out, so later contributions
     * are added into it in place (a parameter read in every step of a loop costs one array, not
     * one per step).
     */
    public void addTensor(Object owner, String field, Object adjoint) {
        if (adjoint == null) return;
        Map<String, Object> m = fields.computeIfAbsent(owner == null ? ParameterAdjoints.class : owner, k -> new HashMap<>());
        Object sum = m.get(field);
        if (sum == null) {
            m.put(field, adjoint);
            return;
        }
        Object next = ownedSums.contains(sum) ? org.grad4j.tensor.TensorAdjoints.addInPlace(sum, adjoint)
                : org.grad4j.tensor.TensorAdjoints.add(sum, adjoint);
        ownedSums.add(next);
        m.put(field, next);
    }

    /** The accumulated adjoint of a scalar ({@code Double}) or tensor field, or null when nothing reached it. */
    public Object fieldAdjoint(Object owner, String field) {
        Map<String, Object> m = fields.get(owner == null ? ParameterAdjoints.class : owner);
        Object a = m == null ? null : m.get(field);
        return a instanceof double[] cell ? (Object) cell[0] : a;
    }

    /** Replaces every tensor adjoint (field adjoints, elements of tensor-array shadows) by {@code f} of it. */
    public void replaceTensors(java.util.function.UnaryOperator<Object> f) {
        for (Map<String, Object> m : fields.values()) m.replaceAll((field, a) -> a instanceof double[] ? a : f.apply(a));
        shadows.replaceAll((array, shadow) -> shadow instanceof Object[] ? f.apply(shadow) : shadow);
    }

    /** The shadow of an array if it was read as a parameter, else null. */
    public Object existingShadow(Object array) {
        return shadows.get(array);
    }
}
