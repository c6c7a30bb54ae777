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
}
