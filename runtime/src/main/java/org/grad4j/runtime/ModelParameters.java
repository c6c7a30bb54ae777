package org.grad4j.runtime;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.grad4j.GradientException;
import org.grad4j.Parameter;

/**
 * Finds the {@code @Parameter} fields of a model object and of the objects it holds (sub-modules
 * in fields, arrays and lists), each with a readable path such as {@code layers[1].weights}.
 */
public final class ModelParameters {
    private ModelParameters() {}

    /** One parameter: the object that holds it and its field. */
    public record Ref(String path, Object owner, Field field) {
        /** The key generated code uses for this field. */
        public String key() {
            return field.getDeclaringClass().getName() + "." + field.getName();
        }

        public Object value() {
            try {
                return field.get(owner);
            } catch (IllegalAccessException e) {
                throw new GradientException("grad4j: cannot read parameter " + path + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * The parameters of {@code model}, in field order.
     *
     * @throws GradientException when a tensor field that is not a parameter is a view of one
     *     ({@link ParameterViews})
     */
    public static List<Ref> of(Object model) {
        List<Ref> refs = new ArrayList<>();
        List<Ref> dataTensors = new ArrayList<>();
        walk(model, "", refs, dataTensors, Collections.newSetFromMap(new IdentityHashMap<>()));
        if (!dataTensors.isEmpty()) ParameterViews.refuseViews(refs, dataTensors);
        return refs;
    }

    private static void walk(Object o, String path, List<Ref> refs, List<Ref> dataTensors, Set<Object> seen) {
        if (o == null || !seen.add(o)) return;
        Class<?> c = o.getClass();
        if (c.isArray()) {
            if (!c.getComponentType().isPrimitive()) {
                Object[] items = (Object[]) o;
                for (int i = 0; i < items.length; i++) walk(items[i], path + "[" + i + "]", refs, dataTensors, seen);
            }
            return;
        }
        if (o instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) walk(list.get(i), path + "[" + i + "]", refs, dataTensors, seen);
            return;
        }
        if (isLibrary(c)) return;
        Fields fields = FIELDS.get(c);
        for (int i = 0; i < fields.fields().length; i++) {
            Field f = fields.fields()[i];
            String p = path.isEmpty() ? f.getName() : path + "." + f.getName();
            if (fields.parameter()[i]) {
                refs.add(new Ref(p, o, f));
            } else if (Shadows.isTensor(f.getType())) {
                dataTensors.add(new Ref(p, o, f));
            } else {
                try {
                    walk(f.get(o), p, refs, dataTensors, seen);
                } catch (IllegalAccessException e) {
                    // a field we may not read cannot hold parameters we could update either
                }
            }
        }
    }

    /** The fields a walk visits in a class, in declaration order, and which of them are parameters. */
    private record Fields(Field[] fields, boolean[] parameter) {}

    /**
     * Per class, the fields a walk visits, made accessible: {@code @Parameter} fields (checked) and
     * fields that may hold sub-modules (instance, not synthetic, not primitive), its own and its
     * superclasses'. Found once per class instead of by reflection on every gradient.
     */
    private static final ClassValue<Fields> FIELDS = new ClassValue<>() {
        @Override
        protected Fields computeValue(Class<?> c) {
            List<Field> fields = new ArrayList<>();
            List<Boolean> parameter = new ArrayList<>();
            for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
                for (Field f : k.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) || f.isSynthetic()) continue;
                    boolean isParameter = f.isAnnotationPresent(Parameter.class);
                    if (isParameter) requireSupported(f);
                    else if (f.getType().isPrimitive()) continue;
                    f.setAccessible(true);
                    fields.add(f);
                    parameter.add(isParameter);
                }
            }
            boolean[] flags = new boolean[parameter.size()];
            for (int i = 0; i < flags.length; i++) flags[i] = parameter.get(i);
            return new Fields(fields.toArray(new Field[0]), flags);
        }
    };

    private static boolean isLibrary(Class<?> c) {
        String n = c.getName();
        return n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("jdk.") || n.startsWith("sun.")
                || n.startsWith("org.nd4j.") || n.startsWith("org.bytedeco.");
    }

    private static void requireSupported(Field f) {
        Class<?> t = f.getType();
        boolean ok = t == double.class || t == float.class || t == double[].class || t == double[][].class
                || t == float[].class || t.getName().equals("org.nd4j.linalg.api.ndarray.INDArray")
                || t.getName().equals("[Lorg.nd4j.linalg.api.ndarray.INDArray;");
        if (!ok) {
            throw new GradientException("grad4j: @Parameter field " + f.getDeclaringClass().getName() + "." + f.getName()
                    + " has type " + t.getTypeName() + "; parameters are double, float, double[], double[][], float[], "
                    + "INDArray or INDArray[]");
        }
        if (Modifier.isFinal(f.getModifiers()) && (t == double.class || t == float.class)) {
            throw new GradientException("grad4j: @Parameter field " + f.getDeclaringClass().getName() + "." + f.getName()
                    + " is a final scalar, which an optimiser cannot update; remove 'final'");
        }
    }
}
