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
 * @param differentiated per parameter; only meaningful for double/float arrays
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

    public boolean isStatic() {
        return receiver == null;
    }
}
