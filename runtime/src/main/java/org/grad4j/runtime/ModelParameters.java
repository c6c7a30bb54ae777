package org.grad4j.runtime;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.grad4j.GradientException;
import org.grad4j.Parameter;

/**
 * Finds the {@code @Parameter} fields of a model object and of the objects it holds (sub-modules
 * in fields, arrays, lists, other collections and map values), each with a readable path such as
 * {@code layers[1].weights} or {@code heads[out].w}. On the way it notes the data — arrays and
 * tensors that are not parameters — so that {@link ParameterViews} can refuse data that is a
 * parameter under another name.
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
     * An array or tensor reached through fields that are not parameters.
     *
     * @param field the last field on the way to it (null when the model itself is a container)
     */
    record Data(String path, Field field, Object value) {}

    /**
     * What a walk of a model found: its parameters, the objects that hold them (the model and its
     * sub-modules, by identity, with their paths), and its parameters' index for checking what
     * else may hold their numbers.
     */
    public static final class Found {
        private final List<Ref> parameters;
        private final Map<Object, String> holders;
        private final ParameterViews views;

        private Found(List<Ref> parameters, Map<Object, String> holders, ParameterViews views) {
            this.parameters = parameters;
            this.holders = holders;
            this.views = views;
        }

        public List<Ref> parameters() {
            return parameters;
        }

        /** Whether {@code o} is the model or an object it holds that holds parameters. */
        public boolean isHolder(Object o) {
            return o != null && holders.containsKey(o);
        }

        /**
         * Whether {@code o}, an object outside the model, reaches the model or one of its modules
         * through its fields, a few levels deep: a {@code Trainer} whose {@code net} field is the
         * model, captured as {@code this} by {@code m -> lossOf(batch)} that reads {@code this.net}.
         * Its parameter reads then count as the model argument's do. Or a parameter's own array or
         * tensor: its reads are then refused where they happen, not silently constants.
         */
        public boolean reachesModel(Object o) {
            return reaches(o, 0, Collections.newSetFromMap(new IdentityHashMap<>()));
        }

        /** The parameters' arrays and tensors, by identity; made on first use. */
        private Set<Object> parameterValues;

        /**
         * The parameters' arrays and tensors (not their numbers), by identity: what generated code
         * must not take as data under another name ({@code Ctx.checkData}), and what an object
         * outside the model may hold ({@link #reachesModel}).
         */
        public Set<Object> parameterValues() {
            if (parameterValues == null) {
                parameterValues = Collections.newSetFromMap(new IdentityHashMap<>());
                for (Ref p : parameters) {
                    Object v = p.value();
                    if (v != null && !(v instanceof Number)) parameterValues.add(v);
                }
            }
            return parameterValues;
        }

        private boolean reaches(Object o, int depth, Set<Object> seen) {
            // a parameter's own array or tensor, held by a helper outside the model (an L2 penalty given
            // net.w): its calls are then differentiated, and their reads of it refused as data (Ctx.checkData)
            if (depth > 0 && o != null && parameterValues().contains(o)) return true;
            // numbers only (double[], double[][] of data): nothing in them reaches an object. Before
            // the set below: a captured data set's rows were each put in it, on every gradient
            if (o == null || isArrayOfNumbers(o.getClass())) return false;
            // bounded in depth and in objects looked at: a captured data set of a million rows is not searched
            if (depth > REACH_DEPTH || seen.size() >= REACH_OBJECTS || !seen.add(o)) return false;
            if (holders.containsKey(o)) return true;
            Class<?> c = o.getClass();
            if (c.isArray()) {
                for (Object item : (Object[]) o) if (reaches(item, depth + 1, seen)) return true;
                return false;
            }
            if (o instanceof Collection<?> items) {
                for (Object item : items) if (reaches(item, depth + 1, seen)) return true;
                return false;
            }
            if (o instanceof Map<?, ?> map) {
                for (Object item : map.values()) if (reaches(item, depth + 1, seen)) return true;
                return false;
            }
            if (isLibrary(c) || isTensorClass(c)) return false;
            for (Field f : FIELDS.get(c).fields()) {
                try {
                    if (!f.getType().isPrimitive() && reaches(f.get(o), depth + 1, seen)) return true;
                } catch (IllegalAccessException e) {
                    // unreadable: it cannot be the way the loss reaches the model either
                }
            }
            return false;
        }

        private static boolean isArrayOfNumbers(Class<?> c) {
            if (!c.isArray()) return false;
            while (c.isArray()) c = c.getComponentType();
            return c.isPrimitive();
        }

        /**
         * Refuses a value the loss lambda captured that is a parameter (or holds one's numbers):
         * reads of it would be data to the generated code.
         *
         * @param what names the capture in the message, e.g. "captured value 1 of Main.lambda$main$0"
         */
        public void refuseCaptured(Object captured, String what) {
            views.refuseCaptured(captured, what);
        }
    }

    /**
     * The parameters of {@code model}, in field order.
     *
     * @throws GradientException when data is a parameter under another name ({@link ParameterViews})
     */
    public static List<Ref> of(Object model) {
        return find(model).parameters();
    }

    /** As {@link #of}, with what is needed to check the loss lambda's captures. */
    public static Found find(Object model) {
        Walk w = new Walk();
        w.walk(model, "", null);
        ParameterViews views = new ParameterViews(w.refs);
        views.refuseData(w.dataArrays, w.dataTensors);
        views.refuseOverlaps();
        return new Found(w.refs, w.holders, views);
    }

    private static final class Walk {
        final List<Ref> refs = new ArrayList<>();
        final List<Data> dataArrays = new ArrayList<>();
        final List<Data> dataTensors = new ArrayList<>();
        final Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        final Map<Object, String> holders = new IdentityHashMap<>();

        /** Visits {@code o}, reached at {@code path} through {@code via}; whether it holds parameters. */
        boolean walk(Object o, String path, Field via) {
            if (o == null) return false;
            if (!seen.add(o)) return holders.containsKey(o);
            Class<?> c = o.getClass();
            boolean holds = false;
            if (c.isArray()) {
                Class<?> component = c.getComponentType();
                if (component.isPrimitive() || component.isArray() && component.getComponentType().isPrimitive()) {
                    // data arrays; a double[][] is checked row by row later, never walked (its rows hold no modules)
                    if (isFloating(c)) dataArrays.add(new Data(path, via, o));
                } else {
                    Object[] items = (Object[]) o;
                    for (int i = 0; i < items.length; i++) holds |= walk(items[i], path + "[" + i + "]", via);
                }
            } else if (isTensorClass(c)) {
                dataTensors.add(new Data(path, via, o));
                return false;
            } else {
                if (o instanceof Map<?, ?> map) {
                    // in the map's own order: a LinkedHashMap's or TreeMap's, a HashMap's by its hashes
                    for (Map.Entry<?, ?> e : map.entrySet()) holds |= walk(e.getValue(), path + "[" + e.getKey() + "]", via);
                } else if (o instanceof List<?> list) {
                    for (int i = 0; i < list.size(); i++) holds |= walk(list.get(i), path + "[" + i + "]", via);
                } else if (o instanceof Collection<?> items) {
                    int i = 0;
                    for (Object item : items) holds |= walk(item, path + "[" + i++ + "]", via);
                }
                if (!isLibrary(c)) holds |= fields(o, path);
            }
            if (holds) holders.put(o, path);
            return holds;
        }

        private boolean fields(Object o, String path) {
            boolean holds = false;
            Fields fields = FIELDS.get(o.getClass());
            for (int i = 0; i < fields.fields().length; i++) {
                Field f = fields.fields()[i];
                String p = path.isEmpty() ? f.getName() : path + "." + f.getName();
                if (fields.parameter()[i]) {
                    refs.add(new Ref(p, o, f));
                    holds = true;
                } else {
                    try {
                        holds |= walk(f.get(o), p, f);
                    } catch (IllegalAccessException e) {
                        // a field we may not read cannot hold parameters we could update either
                    }
                }
            }
            return holds;
        }
    }

    private static boolean isFloating(Class<?> array) {
        return array == double[].class || array == float[].class || array == double[][].class || array == float[][].class;
    }

    /** Whether objects of class {@code c} are ND4J tensors, by name: models without tensors never load ND4J. */
    static boolean isTensorClass(Class<?> c) {
        return c.getName().startsWith("org.nd4j.") && IS_TENSOR.get(c);
    }

    private static final ClassValue<Boolean> IS_TENSOR = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            return implementsTensor(c);
        }
    };

    private static boolean implementsTensor(Class<?> c) {
        if (c == null) return false;
        if (Shadows.isTensor(c)) return true;
        for (Class<?> i : c.getInterfaces()) if (implementsTensor(i)) return true;
        return implementsTensor(c.getSuperclass());
    }

    /** The fields a walk visits in a class, in declaration order, and which of them are parameters. */
    private record Fields(Field[] fields, boolean[] parameter) {}

    /**
     * The name of {@code o}'s own {@code @Parameter} field (of its class, not of the objects it
     * holds) whose value is {@code value}, or null; null too for a class whose fields a model
     * gradient refuses (a static {@code @Parameter}): that is said where it is one.
     */
    public static String ownParameterHolding(Object o, Object value) {
        if (value == null) return null;
        Fields fields;
        try {
            fields = FIELDS.get(o.getClass());
        } catch (GradientException refusedForModels) {
            return null;
        }
        for (int i = 0; i < fields.fields().length; i++) {
            if (!fields.parameter()[i]) continue;
            try {
                if (fields.fields()[i].get(o) == value) return fields.fields()[i].getName();
            } catch (IllegalAccessException e) {
                // made accessible with the rest; unreadable, it is no way the method reaches the value either
            }
        }
        return null;
    }

    /**
     * Per class, the fields a walk visits, made accessible: {@code @Parameter} fields (checked) and
     * fields that may hold sub-modules or data arrays (instance, not synthetic, not primitive), its
     * own and its superclasses' up to the first library class. Found once per class instead of by
     * reflection on every gradient. A static {@code @Parameter} field is refused: no model object
     * holds it, so no gradient would list it.
     */
    /** How many fields and elements deep, and how many objects in all, a captured object is searched for the model. */
    private static final int REACH_DEPTH = 6;

    private static final int REACH_OBJECTS = 10_000;

    private static final ClassValue<Fields> FIELDS = new ClassValue<>() {
        @Override
        protected Fields computeValue(Class<?> c) {
            List<Field> fields = new ArrayList<>();
            List<Boolean> parameter = new ArrayList<>();
            for (Class<?> k = c; k != null && !isLibrary(k); k = k.getSuperclass()) {
                for (Field f : k.getDeclaredFields()) {
                    boolean isParameter = f.isAnnotationPresent(Parameter.class);
                    if (Modifier.isStatic(f.getModifiers())) {
                        if (isParameter) throw staticParameter(f);
                        continue;
                    }
                    if (f.isSynthetic()) continue;
                    if (isParameter) requireSupported(f);
                    else if (f.getType().isPrimitive()) continue;
                    for (int i = 0; i < fields.size(); i++) {
                        if (fields.get(i).getName().equals(f.getName()) && isParameter && parameter.get(i)) {
                            throw hiddenParameter(fields.get(i), f);
                        }
                    }
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

    private static GradientException staticParameter(Field f) {
        return new GradientException("grad4j: @Parameter field " + f.getDeclaringClass().getName() + "." + f.getName()
                + " is static; Model.gradient finds parameters only in the model object and the objects it holds, so it "
                + "would never list it. Make it an instance field (of the model or of a sub-module it holds) and read it "
                + "through that object.");
    }

    /**
     * A subclass's {@code @Parameter} field that hides a superclass's {@code @Parameter} field of the
     * same name: both would go under one path, and the gradient map would list one of them only
     * (the other's gradient silently lost, an optimiser stepping one).
     */
    private static GradientException hiddenParameter(Field sub, Field hidden) {
        return new GradientException("grad4j: @Parameter field " + sub.getDeclaringClass().getName() + "." + sub.getName()
                + " hides @Parameter field " + hidden.getDeclaringClass().getName() + "." + hidden.getName()
                + " of its superclass: both would be listed under the path '" + sub.getName()
                + "', so one gradient would be lost. Rename one of them.");
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
        // a final scalar (a record's component) has a gradient too; only an optimiser's step refuses it (Optimizer.apply)
    }
}
