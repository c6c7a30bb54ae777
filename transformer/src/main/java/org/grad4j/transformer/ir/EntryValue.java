package org.grad4j.transformer.ir;

import org.objectweb.asm.Type;

/** The value of a slot (a local, or an operand-stack entry) when its block is entered. */
public final class EntryValue extends Value {
    private final int block;
    private final int slot;

    public EntryValue(int block, int slot, Type type) {
        super(type);
        this.block = block;
        this.slot = slot;
    }

    public int block() {
        return block;
    }

    public int slot() {
        return slot;
    }

    @Override
    public String toString() {
        return "b" + block + ".s" + slot;
    }
}
