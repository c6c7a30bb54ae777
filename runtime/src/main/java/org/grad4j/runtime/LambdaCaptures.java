package org.grad4j.runtime;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The values a lambda object captured: its instance fields {@code arg$1, arg$2, …}, in capture order. */
public final class LambdaCaptures {
    private LambdaCaptures() {}

    public static List<Field> fieldsOf(Class<?> lambda) {
        List<Field> fields = new ArrayList<>();
        for (Field f : lambda.getDeclaredFields()) if (!Modifier.isStatic(f.getModifiers())) fields.add(f);
        // arg$10 comes after arg$9: by length, then by name
        fields.sort(Comparator.comparing(Field::getName, Comparator.comparingInt(String::length).thenComparing(n -> n)));
        return fields;
    }

    /**
     * Called by a generated entry that makes again a lambda it was handed (see {@link
     * LambdaArguments}): the {@code index}-th value the lambda captured, boxed.
     */
    public static Object value(Object lambda, int index) throws ReflectiveOperationException {
        return GETTERS.get(lambda.getClass())[index].get(lambda);
    }

    private static final ClassValue<Field[]> GETTERS = new ClassValue<>() {
        @Override
        protected Field[] computeValue(Class<?> lambda) {
            List<Field> fields = fieldsOf(lambda);
            for (Field f : fields) f.setAccessible(true);
            return fields.toArray(new Field[0]);
        }
    };

    /**
     * Called by a generated entry that makes again an object it was handed (see {@link
     * ObjectArguments}): the value of its field {@code name}, boxed.
     */
    public static Object field(Object object, String name) throws ReflectiveOperationException {
        Field f = FIELDS.get(object.getClass()).get(name);
        if (f == null) throw new NoSuchFieldException(object.getClass().getName() + "." + name);
        return f.get(object);
    }

    private static final ClassValue<java.util.Map<String, Field>> FIELDS = new ClassValue<>() {
        @Override
        protected java.util.Map<String, Field> computeValue(Class<?> c) {
            java.util.Map<String, Field> fields = new java.util.HashMap<>();
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) continue;
                f.setAccessible(true);
                fields.put(f.getName(), f);
            }
            return fields;
        }
    };
}
