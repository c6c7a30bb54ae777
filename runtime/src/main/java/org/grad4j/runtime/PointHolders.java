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

/**
 * Objects handed to a gradient as data (the receiver, captured values, object arguments) whose
 * fields reach an array the gradient is taken at: {@code AD.gradient(v -> r.loss(v), r.w)} with a
 * {@code penalty()} of {@code r} reading {@code this.w}. Such an object is marked a holder in the
 * activity mask (as a model is for {@code Model.gradient}), so that calls receiving it are
 * differentiated rather than run as they are; where that code then reads the array through a
 * field, {@link Ctx#checkData} refuses it instead of leaving those uses a silent zero. Objects
 * that hold the point but whose code never reads it (a solver's state keeping its current point)
 * still pass.
 */
final class PointHolders {
    private PointHolders() {}

    /** Bounded: a captured data set of a million rows is not searched. */
    private static final int DEPTH = 4;
    private static final int OBJECTS = 512;
    private static final int ELEMENTS = 1 << 16;

    /** The call's activity mask, with {@code '@'} and {@code '1'} added for the data objects that reach a differentiated array. */
    static String mask(Call call) {
        String mask = call.activityMask();
        Object[] args = call.args();
        boolean anyObject = isPlainObject(call.receiver());
        for (int i = 0; i < args.length && !anyObject; i++) anyObject = !call.differentiated()[i] && isPlainObject(args[i]);
        if (!anyObject) return mask; // the common case (captured arrays and numbers): nothing to walk, nothing allocated
        Set<Object> points = null;
        for (int i = 0; i < args.length; i++) {
            if (call.differentiated()[i] && args[i] != null && Shadows.isDifferentiableArray(args[i].getClass())) {
                if (points == null) points = Collections.newSetFromMap(new IdentityHashMap<>());
                addWithRows(args[i], points);
            }
        }
        if (points == null) return mask;
        char[] bits = mask.toCharArray();
        for (int i = 0; i < args.length; i++) {
            if (!call.differentiated()[i] && isPlainObject(args[i]) && reaches(args[i], points)) bits[i] = '1';
        }
        boolean receiver = call.receiver() != null && reaches(call.receiver(), points);
        return (receiver ? "@" : "") + new String(bits);
    }

    private static void addWithRows(Object array, Set<Object> points) {
        if (array == null || !points.add(array)) return;
        if (array instanceof Object[] rows) for (Object row : rows) addWithRows(row, points);
    }

    /**
     * An object whose fields may be walked: not an array, not a boxed number or string (those are
     * values); a JDK container (a list of parameter blocks holding the point) is walked too.
     */
    static boolean isPlainObject(Object o) {
        return o != null && !o.getClass().isArray() && (!isLibrary(o.getClass()) || isContainer(o));
    }

    private static boolean isContainer(Object o) {
        return o instanceof Collection<?> || o instanceof Map<?, ?> || o instanceof java.util.concurrent.atomic.AtomicReference<?>
                || o instanceof java.util.Optional<?> || o instanceof java.util.concurrent.atomic.AtomicReferenceArray<?>
                || o instanceof java.lang.ref.Reference<?> || o instanceof ThreadLocal<?> || o instanceof Map.Entry<?, ?>
                || o instanceof java.nio.DoubleBuffer || o instanceof java.nio.FloatBuffer;
    }

    /**
     * What a JDK container hands out, as its own methods give it: elements, values, the referent,
     * this thread's value of a {@code ThreadLocal} (its {@code get}, which makes the initial value
     * when there is none, as the function's own {@code get} would), a buffer's backing array.
     */
    private static Iterable<?> contents(Object o) {
        if (o instanceof Collection<?> items) return items;
        if (o instanceof Map<?, ?> map) return map.values();
        if (o instanceof java.util.concurrent.atomic.AtomicReference<?> ref) return single(ref.get());
        if (o instanceof java.util.Optional<?> optional) return single(optional.orElse(null));
        if (o instanceof java.util.concurrent.atomic.AtomicReferenceArray<?> refs) {
            List<Object> items = new ArrayList<>();
            for (int i = 0; i < refs.length() && i < ELEMENTS; i++) items.add(refs.get(i));
            return items;
        }
        if (o instanceof java.lang.ref.Reference<?> ref) return single(ref.get());
        if (o instanceof ThreadLocal<?> local) return single(local.get());
        if (o instanceof Map.Entry<?, ?> entry) return single(entry.getValue());
        if (o instanceof java.nio.DoubleBuffer b) return single(b.hasArray() ? b.array() : null);
        if (o instanceof java.nio.FloatBuffer b) return single(b.hasArray() ? b.array() : null);
        return List.of();
    }

    private static Iterable<?> single(Object o) {
        return Collections.singletonList(o);
    }

    /** Whether the fields of {@code o} (not {@code o} itself) reach one of {@code points}, within the walk's bounds. */
    static boolean reaches(Object o, Set<Object> points) {
        Object[] few = points.size() <= 4 ? points.toArray() : null; // usually one array: compared, not hashed
        try {
            return new Walk(points, few).reaches(o, 0);
        } catch (RuntimeException e) {
            return false; // a collection changed by another thread while walked, an iterator that throws: leave it
        }
    }

    /** One walk: objects looked at once each, rows of data matrices compared without being counted as objects. */
    private static final class Walk {
        private final Set<Object> points;
        private final Object[] few;
        private final Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        private int elements; // array elements looked at, bounded too: a data matrix of a million rows is not scanned

        Walk(Set<Object> points, Object[] few) {
            this.points = points;
            this.few = few;
        }

        private boolean isPoint(Object o) {
            if (few == null) return points.contains(o);
            for (Object p : few) if (p == o) return true;
            return false;
        }

        boolean reaches(Object o, int depth) {
            if (o == null || depth > DEPTH) return false;
            Class<?> c = o.getClass();
            if (c.isArray() && c.getComponentType().isPrimitive()) return depth > 0 && isPoint(o);
            if (seen.size() >= OBJECTS || !seen.add(o)) return false;
            if (depth > 0 && isPoint(o)) return true;
            if (c.isArray()) {
                for (Object item : (Object[]) o) {
                    if (++elements > ELEMENTS) return false;
                    if (reaches(item, depth + 1)) return true;
                }
                return false;
            }
            if (isContainer(o)) {
                for (Object item : contents(o)) if (reaches(item, depth + 1)) return true;
                return false;
            }
            if (isLibrary(c)) return false;
            for (Field f : FIELDS.get(c)) {
                try {
                    if (reaches(f.get(o), depth + 1)) return true;
                } catch (IllegalAccessException e) {
                    // unreadable here: leave it
                }
            }
            return false;
        }
    }

    private static final ClassValue<Field[]> FIELDS = new ClassValue<>() {
        @Override
        protected Field[] computeValue(Class<?> c) {
            List<Field> fields = new ArrayList<>();
            for (Class<?> k = c; k != null && !isLibrary(k); k = k.getSuperclass()) {
                for (Field f : k.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) continue;
                    try {
                        f.setAccessible(true);
                        fields.add(f);
                    } catch (RuntimeException e) {
                        // a module that does not open it: not a way the user's code reaches the point either
                    }
                }
            }
            return fields.toArray(new Field[0]);
        }
    };

    private static boolean isLibrary(Class<?> c) {
        String n = c.getName();
        return n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("jdk.") || n.startsWith("sun.")
                || n.startsWith("org.nd4j.") || n.startsWith("org.bytedeco.");
    }
}
