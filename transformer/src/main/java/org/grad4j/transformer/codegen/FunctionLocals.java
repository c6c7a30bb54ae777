package org.grad4j.transformer.codegen;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.grad4j.transformer.ir.EntryValue;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Type;

/**
 * The JVM locals of one generated function. Every IR value gets its own local (the forward
 * pass's record for the reverse pass) — except that in a taped nest the reverse reads a slot the
 * nest never writes from one local per slot ({@link #planSlotValue}); each active scalar gets an
 * adjoint local (a double), each active array a shadow local. Slots of the original method are
 * mirrored by {@code slotVar}s, one per slot and kind of value, which carry values between blocks
 * of the region; {@code adjSlot}s carry the adjoint of a slot's current value through the reverse
 * pass.
 *
 * <p>{@link #value} and {@link #shadow} answer for the code being emitted: after {@link
 * #startReverse}, the reverse's locals. Whoever keeps a local number must ask for it where the
 * code that uses it is emitted.
 */
final class FunctionLocals {
    private static final Type OBJECT = Type.getType(Object.class);

    private int next;
    private final List<int[]> zeroed = new ArrayList<>(); // {local, sort}
    private final Map<Value, Integer> value = new IdentityHashMap<>();
    private final Map<Value, Integer> adjoint = new IdentityHashMap<>();
    private final Map<Value, Integer> shadow = new IdentityHashMap<>();
    private final Map<Long, Integer> slotVar = new HashMap<>();
    private final Map<Integer, Integer> slotShadow = new HashMap<>();
    private final Map<Long, Integer> adjSlot = new HashMap<>();
    private final Map<Integer, Integer> flag = new HashMap<>();
    private final Map<Integer, Integer> continuation = new HashMap<>();

    FunctionLocals(int firstFree) {
        this.next = firstFree;
    }

    private int allocate(Type t) {
        int local = allocateUnzeroed(t);
        zeroed.add(new int[] {local, Types.localSort(t)});
        return local;
    }

    /** A local written before every read on every path, so the verifier needs no zero at entry. */
    private int allocateUnzeroed(Type t) {
        int local = next;
        next += t.getSize();
        return local;
    }

    int value(Value v) {
        Integer l = reversing && reverseValue.containsKey(v) ? reverseValue.get(v) : value.get(v);
        if (l == null) throw new IllegalStateException("no local for " + v);
        return l;
    }

    /**
     * A local for a value. Values are block-local and written before they are read in the forward
     * pass; only those the reverse pass reads (which the verifier cannot see were written: the
     * reverse runs under per-block flags) must be zeroed at entry.
     */
    void planValue(Value v, boolean readInReverse) {
        value.computeIfAbsent(v, x -> readInReverse ? allocate(x.type()) : allocateUnzeroed(x.type()));
    }

    /**
     * An adjoint local. Most are zeroed where their block's reverse code starts, so that they do
     * not live across the call (and do not enlarge the frame); those an exit adds to before the
     * reverse pass (a returned value, a call's arguments) are zeroed at entry.
     */
    void planAdjoint(Value v, boolean zeroAtEntry) {
        adjoint.computeIfAbsent(v, x -> zeroAtEntry ? allocate(Types.adjointType(x.kind()))
                : allocateUnzeroed(Types.adjointType(x.kind())));
    }

    /** The local the reverse reads an entry value from, shared by every value of its slot and type (see {@link #planSlotValue}). */
    record SlotValue(int slot, Type type, int local) {}

    /** A slot and the type it is read as. */
    private record SlotAndType(int slot, String descriptor) {}

    private final Map<SlotAndType, SlotValue> slotValues = new LinkedHashMap<>();
    private final Map<Value, Integer> reverseValue = new IdentityHashMap<>();
    private final Map<Value, Integer> reverseShadow = new IdentityHashMap<>();
    private boolean reversing;

    /**
     * An entry value that is its slot's value wherever this function reads it: the reverse reads
     * it, and an active array's shadow, from one local per slot and type, assigned when the reverse
     * starts ({@link #slotValues}), and from the slot's shadow local — not from the block's own,
     * which then need not live from the forward pass into the reverse.
     */
    void planSlotValue(EntryValue e, boolean shadowed) {
        SlotValue v = slotValues.computeIfAbsent(new SlotAndType(e.slot(), e.type().getDescriptor()),
                k -> new SlotValue(e.slot(), e.type(), allocateUnzeroed(e.type())));
        reverseValue.put(e, v.local());
        if (shadowed) reverseShadow.put(e, slotShadow(e.slot()));
    }

    /** The locals of {@link #planSlotValue}, to assign when the reverse starts. */
    Collection<SlotValue> slotValues() {
        return slotValues.values();
    }

    /** From here on, code emitted is the reverse: values planned with {@link #planSlotValue} come from their slot's locals. */
    void startReverse() {
        reversing = true;
    }

    void planShadow(Value v) {
        shadow.computeIfAbsent(v, x -> allocate(OBJECT));
    }

    boolean hasAdjoint(Value v) { return adjoint.containsKey(v); }

    boolean hasShadow(Value v) { return shadow.containsKey(v); }

    int adjoint(Value v) { return adjoint.get(v); }

    int shadow(Value v) {
        return reversing && reverseShadow.containsKey(v) ? reverseShadow.get(v) : shadow.get(v);
    }

    int slotVar(int slot, Type t) {
        return slotVar.computeIfAbsent(slot * 16L + Types.localSort(t), k -> allocate(Types.ofLocalSort(Types.localSort(t))));
    }

    int slotShadow(int slot) {
        return slotShadow.computeIfAbsent(slot, k -> allocate(OBJECT));
    }

    /** Whether a slot has a shadow local: some value it holds somewhere is shadowed. */
    boolean hasSlotShadow(int slot) {
        return slotShadow.containsKey(slot);
    }

    /**
     * The adjoint of a slot's current value, one local per slot and kind (scalar or tensor). Zeroed
     * by every exit right after the rest of the program returns (see {@link #adjSlots}), not at
     * entry: they need not live across the call.
     */
    int adjSlot(int slot, Types.Kind kind) {
        return adjSlot.computeIfAbsent(slot * 4L + kind.ordinal(), k -> {
            int local = allocateUnzeroed(Types.adjointType(kind));
            adjSlotLocals.add(new int[] {local, kind.ordinal()});
            return local;
        });
    }

    private final List<int[]> adjSlotLocals = new ArrayList<>();

    /** Every slot adjoint: {local, kind ordinal}. */
    List<int[]> adjSlots() {
        return adjSlotLocals;
    }

    boolean hasAdjSlot(int slot, Types.Kind kind) { return adjSlot.containsKey(slot * 4L + kind.ordinal()); }

    /** The bit that records that a block ran: bit {@code n % 32} of flag word {@code n / 32}. */
    int flagBit(int block) {
        Integer bit = flag.get(block);
        if (bit == null) {
            bit = flag.size();
            flag.put(block, bit);
            if (bit % 32 == 0) flagWords.add(allocate(Type.INT_TYPE));
        }
        return bit;
    }

    private final List<Integer> flagWords = new ArrayList<>();

    int flagWord(int bit) {
        return flagWords.get(bit / 32);
    }

    /** The locals of the per-block flags, one per 32 blocks. */
    List<Integer> flagWords() {
        return flagWords;
    }

    /** A local the emitter assigns at the function's start, before any branch (a taped loop's tape state). */
    int scratch(Type t) {
        return allocateUnzeroed(t);
    }

    private final Map<Long, Integer> environment = new HashMap<>();

    /** A loop environment built at an edge from {@code block} (-1: the entry stub) into the loop's header. */
    int createdEnvironment(int block, int header) {
        return environment.computeIfAbsent((long) block << 32 | header, k -> allocate(OBJECT));
    }

    int continuation(int block) {
        return continuation.computeIfAbsent(block, k -> allocate(OBJECT));
    }

    /**
     * A local a taped recursion's forward function keeps for its reverse (see {@link RecursionRecord}):
     * its number, its type, and the block that assigns it (-1: a flag word, kept for every {@code
     * return} that several paths lead to).
     */
    record Kept(int local, Type type, int block) {
        int sort() {
            return Types.localSort(type);
        }
    }

    private final List<Kept> kept = new ArrayList<>();

    void keep(int local, Type t, int block) {
        for (Kept k : kept) if (k.local() == local) return;
        kept.add(new Kept(local, t, block));
    }

    /** The locals of {@link #keep}, in the order kept. */
    List<Kept> kept() {
        return kept;
    }

    /** Locals to zero at entry so the verifier sees them assigned on every path. */
    List<int[]> zeroed() { return zeroed; }

    int size() { return next; }
}
