package org.grad4j;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.grad4j.runtime.ModelParameters;

/**
 * Updates a model's {@code @Parameter} fields in place from their gradients: plain or momentum
 * SGD, or Adam. An optimiser keeps its state (velocities, moment estimates) per parameter, so use
 * one instance per model. The state of an array or tensor parameter belongs to the object itself,
 * not to its field: a field given a new object (a new head for fine-tuning) starts from fresh
 * state, and the replaced object's state goes with it when it is collected.
 *
 * <pre>{@code
 * Optimizer adam = Optimizer.adam(0.01);
 * for (int epoch = 0; epoch < 100; epoch++) adam.step(Model.gradient(model, m -> m.loss(xs, ys)));
 * }</pre>
 */
public abstract class Optimizer {
    /** State slots per array or tensor parameter object (tied fields share one), and per element of a tensor array. */
    private final WeakIdentityMap<Object[]> objectState = new WeakIdentityMap<>();
    /** State slots of scalar ({@code double}, {@code float}) fields, per owner object and field. */
    private final WeakIdentityMap<Map<Field, Object[]>> scalarState = new WeakIdentityMap<>();

    private volatile double learningRate;

    Optimizer(double learningRate) {
        setLearningRate(learningRate);
    }

    /** The step size the next {@link #step} uses. */
    public double learningRate() {
        return learningRate;
    }

    /**
     * Changes the step size from the next {@link #step} on, keeping the optimizer's state (Adam's
     * moments, momentum): a learning-rate schedule, {@code adam.setLearningRate(lr0 * decay(epoch))}.
     */
    public void setLearningRate(double learningRate) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("grad4j: a learning rate must be positive and finite, not " + learningRate);
        }
        this.learningRate = learningRate;
    }

    /** Plain gradient descent: {@code p -= lr · g}. */
    public static Optimizer sgd(double learningRate) {
        return sgd(learningRate, 0);
    }

    /** Momentum SGD: {@code v = μ·v + g; p -= lr · v}. */
    public static Optimizer sgd(double learningRate, double momentum) {
        return new Optimizer(learningRate) {
            @Override
            double[] update(double[] g, Object[] slots, long t) {
                double[] v = velocity(slots, g.length);
                double[] u = new double[g.length];
                double lr = learningRate();
                for (int i = 0; i < g.length; i++) {
                    v[i] = momentum * v[i] + g[i];
                    u[i] = lr * v[i];
                }
                return u;
            }
        };
    }

    /** Adam (Kingma & Ba) with β₁ = 0.9, β₂ = 0.999, ε = 1e-8. */
    public static Optimizer adam(double learningRate) {
        return adam(learningRate, 0.9, 0.999, 1e-8);
    }

    public static Optimizer adam(double learningRate, double beta1, double beta2, double epsilon) {
        return new Optimizer(learningRate) {
            @Override
            double[] update(double[] g, Object[] slots, long t) {
                double[] m = velocity(slots, g.length);
                if (slots[1] == null) slots[1] = new double[g.length];
                double[] v = (double[]) slots[1];
                double[] u = new double[g.length];
                double c1 = 1 - Math.pow(beta1, t);
                double c2 = 1 - Math.pow(beta2, t);
                double lr = learningRate();
                for (int i = 0; i < g.length; i++) {
                    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                    u[i] = lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + epsilon);
                }
                return u;
            }
        };
    }

    static double[] velocity(Object[] slots, int n) {
        if (slots[0] == null) slots[0] = new double[n];
        return (double[]) slots[0];
    }

    /** The step for flattened gradient {@code g} at this parameter's step {@code t} (1-based), given its state slots. */
    abstract double[] update(double[] g, Object[] slots, long t);

    /**
     * {@link #update} at this parameter's own step count (slot 2; Adam's bias correction starts
     * again for a new parameter object), with state made for another length dropped first: a
     * matrix parameter whose rows were given new arrays of other lengths starts from fresh state.
     */
    private double[] run(double[] g, Object[] slots) {
        if (slots[0] instanceof double[] v && v.length != g.length) Arrays.fill(slots, null);
        if (slots[2] == null) slots[2] = new long[1];
        long[] count = (long[]) slots[2];
        return update(g, slots, ++count[0]);
    }

    /** The state slots of a parameter object or of a tensor-array element: by identity, made on first use. */
    private Object[] slotsOf(Object parameter) {
        return objectState.computeIfAbsent(parameter, () -> new Object[3]);
    }

    /**
     * Applies one update to every parameter the gradients name, once per parameter object: fields
     * that hold the same array or tensor (tied weights) share one gradient, the sum of their
     * shares, and one state — the object's.
     */
    public void step(ParameterGradients gradients) {
        for (ModelParameters.Ref p : gradients.parameters()) { // before any parameter moves
            if (p.field().getType().isPrimitive() && java.lang.reflect.Modifier.isFinal(p.field().getModifiers())) throw finalScalar(p);
        }
        Set<Object> stepped = Collections.newSetFromMap(new IdentityHashMap<>());
        for (ModelParameters.Ref p : gradients.parameters()) {
            Object value = p.field().getType().isPrimitive() ? null : p.value();
            if (value != null && !stepped.add(value)) continue;
            Object g = gradients.get(p.path());
            Object[] slots = value != null ? slotsOf(value)
                    : scalarState.computeIfAbsent(p.owner(), HashMap::new).computeIfAbsent(p.field(), k -> new Object[3]);
            apply(p, g, slots, stepped);
        }
    }

    /**
     * A final {@code double} or {@code float} parameter (a record's component) has a gradient, but
     * no step can change it in place; {@link #step} checks every parameter before any moves.
     */
    private static GradientException finalScalar(ModelParameters.Ref p) {
        return new GradientException("grad4j: the optimiser cannot update @Parameter " + p.path() + " ("
                + p.field().getDeclaringClass().getName() + "." + p.field().getName() + "): it is a final "
                + p.field().getType().getName() + (p.field().getDeclaringClass().isRecord() ? ", a record's component" : "")
                + ", which cannot change in place. Make it a non-final field of a class, or hold it in a double[1] "
                + "(an array's elements change in place), or build the next model from the gradient yourself "
                + "(new Model(..., b - rate * g.getDouble(\"" + p.path() + "\"))).");
    }

    private void apply(ModelParameters.Ref p, Object g, Object[] slots, Set<Object> stepped) {
        Object value = p.value();
        try {
            if (g instanceof Double d) {
                double u = run(new double[] {d}, slots)[0];
                if (p.field().getType() == float.class) p.field().setFloat(p.owner(), (float) (p.field().getFloat(p.owner()) - u));
                else p.field().setDouble(p.owner(), p.field().getDouble(p.owner()) - u);
            } else if (value instanceof double[] a) {
                double[] u = run((double[]) g, slots);
                for (int i = 0; i < a.length; i++) a[i] -= u[i];
            } else if (value instanceof float[] a) {
                float[] gf = (float[]) g;
                double[] gd = new double[gf.length];
                for (int i = 0; i < gf.length; i++) gd[i] = gf[i];
                double[] u = run(gd, slots);
                for (int i = 0; i < a.length; i++) a[i] -= (float) u[i];
            } else if (value instanceof double[][] rows) {
                double[][] gr = (double[][]) g;
                int n = 0;
                for (double[] r : rows) n += r.length;
                double[] flat = new double[n];
                int k = 0;
                for (double[] r : gr) for (double v : r) flat[k++] = v;
                double[] u = run(flat, slots);
                k = 0;
                for (double[] r : rows) for (int j = 0; j < r.length; j++) r[j] -= u[k++];
            } else {
                org.grad4j.tensor.TensorParameters.step(this, value, g, slots, this::slotsOf, stepped);
            }
        } catch (IllegalAccessException e) {
            throw new GradientException("grad4j: cannot update parameter " + p.path() + ": " + e.getMessage(), e);
        }
    }

    /** For tensor parameters: the update of a flattened gradient. */
    public final double[] updateFlat(double[] g, Object[] slots) {
        return run(g, slots);
    }
}
