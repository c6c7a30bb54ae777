package org.grad4j.transformer.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.objectweb.asm.Type;

/**
 * A basic block in per-block SSA form. Slots number the locals {@code 0..maxLocals-1}, then the
 * operand stack from the bottom ({@code maxLocals + depth}). On entry each slot holds an
 * {@link EntryValue} (created when first read); {@link #exitValues()} maps the slots the block
 * changed to their values on exit — a slot not in that map leaves unchanged.
 */
public final class Block {
    private final int index;
    private final Type[] entryTypes;
    private final List<Stmt> stmts = new ArrayList<>();
    private final SortedMap<Integer, EntryValue> reads = new TreeMap<>();
    private final SortedMap<Integer, Value> exits = new TreeMap<>();
    private Terminator terminator;
    private int firstLine = -1;

    public Block(int index, Type[] entryTypes) {
        this.index = index;
        this.entryTypes = entryTypes;
    }

    public int index() { return index; }

    /** Type of each slot on entry (null where the slot holds nothing usable). */
    public Type entryType(int slot) {
        return slot < entryTypes.length ? entryTypes[slot] : null;
    }

    public int slotCount() { return entryTypes.length; }

    public List<Stmt> stmts() { return Collections.unmodifiableList(stmts); }

    public void add(Stmt s) { stmts.add(s); }

    public Stmt lastStmt() { return stmts.isEmpty() ? null : stmts.get(stmts.size() - 1); }

    /** The entry value of a slot, created on first read. */
    public EntryValue read(int slot) {
        return reads.computeIfAbsent(slot, s -> {
            Type t = entryType(s);
            if (t == null) throw new IllegalStateException("block " + index + " reads undefined slot " + s);
            return new EntryValue(index, s, t);
        });
    }

    /** Slots read on entry, by slot. */
    public SortedMap<Integer, EntryValue> reads() { return Collections.unmodifiableSortedMap(reads); }

    /** Slots changed by the block and their values on exit. */
    public SortedMap<Integer, Value> exitValues() { return Collections.unmodifiableSortedMap(exits); }

    public void setExit(int slot, Value v) { exits.put(slot, v); }

    public Terminator terminator() { return terminator; }

    public void setTerminator(Terminator t) { terminator = t; }

    public int[] successors() { return terminator.successors(); }

    public int firstLine() { return firstLine; }

    public void setFirstLine(int line) { if (firstLine < 0) firstLine = line; }
}
