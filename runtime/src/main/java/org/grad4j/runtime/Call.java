package org.grad4j.runtime;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * A resolved gradient request: the method whose generated entry runs, its receiver (null for
 * a static method), its arguments, and which array arguments are differentiated inputs (they
 * get a zero shadow; the others are data and get null).
 *
 * @param method the implementation actually run (virtual calls already dispatched)
 * @param receiver the receiver of an instance method, else null
 * @param args one per parameter of {@code method}, boxed
 * @param differentiated per parameter: whether it is differentiated (its derivative is wanted); others
 *     are constants to the generated code, and data arrays get no shadow
 */
public record Call(Method method, Object receiver, Object[] args, boolean[] differentiated) {
    public Call {
        if (args.length != method.getParameterCount() || differentiated.length != args.length) {
            throw new IllegalArgumentException("arguments do not match " + method);
        }
        if (Modifier.isStatic(method.getModifiers()) != (receiver == null)) {
            throw new IllegalArgumentException("receiver does not match " + method);
        }
    }

    /**
     * The activity mask of the request, one {@code '1'}/{@code '0'} per parameter, appended to the
     * descriptor as {@code "#" + mask} when asking the {@link Bridge} for an entry: code that only
     * the differentiated parameters reach gets adjoints, the rest runs as plain code.
     */
    public String activityMask() {
        StringBuilder sb = new StringBuilder(differentiated.length);
        for (boolean d : differentiated) sb.append(d ? '1' : '0');
        return sb.toString();
    }

    public boolean isStatic() {
        return receiver == null;
    }
}
