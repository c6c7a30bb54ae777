package org.grad4j.transformer.lift;

/**
 * The reference pushed by {@code new T} before its constructor ran. It has no run-time
 * representation in generated code: the lifter emits {@code new}, {@code dup} and the
 * constructor call together, at the constructor call.
 */
final class PendingNew {
    final String type;

    PendingNew(String type) {
        this.type = type;
    }
}
