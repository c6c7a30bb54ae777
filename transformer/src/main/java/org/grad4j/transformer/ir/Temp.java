package org.grad4j.transformer.ir;

import org.objectweb.asm.Type;

/** The result of one statement. */
public final class Temp extends Value {
    private final int id;

    public Temp(int id, Type type) {
        super(type);
        this.id = id;
    }

    public int id() {
        return id;
    }

    @Override
    public String toString() {
        return "t" + id;
    }
}
