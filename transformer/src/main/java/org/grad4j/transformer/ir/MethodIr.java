package org.grad4j.transformer.ir;

import java.util.List;
import org.objectweb.asm.Type;

/**
 * A method lifted to blocks of three-address statements. Block 0 is the entry; {@code
 * maxLocals} separates local slots from stack slots.
 */
public record MethodIr(String owner, String name, String descriptor, boolean isStatic, String sourceFile,
                       int maxLocals, List<Block> blocks) {

    public Block block(int i) { return blocks.get(i); }

    public int size() { return blocks.size(); }

    /** Slots of the parameters in declaration order, the receiver first for instance methods. */
    public int[] parameterSlots() {
        Type[] args = Type.getArgumentTypes(descriptor);
        int[] slots = new int[args.length + (isStatic ? 0 : 1)];
        int slot = 0;
        int i = 0;
        if (!isStatic) slots[i++] = slot++;
        for (Type a : args) {
            slots[i++] = slot;
            slot += a.getSize();
        }
        return slots;
    }

    public boolean isStackSlot(int slot) { return slot >= maxLocals; }

    /** {@code Class.method} for messages. */
    public String displayName() {
        return owner.replace('/', '.') + "." + name;
    }
}
