package org.grad4j.transformer.optimize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.Const;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Terminator;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;

/**
 * Local value numbering: within a block, a statement that recomputes what an earlier one computed
 * from the same operands — {@code x[i] * x[i]} loads {@code x[i]} twice, {@code 2 * i + 1} is
 * written out in two expressions — is dropped and its uses take the earlier value.
 *
 * <p>For the reverse pass this matters more than for the forward one: every statement that stays
 * has its operands saved in the frame and its own adjoint code, and every array load its own
 * read-modify-write of the shadow. Arithmetic and conversions are pure; array loads are reused
 * only until the next array store or call other than {@code Math}'s (either may change the element).
 */
public final class ValueNumbering {
    private ValueNumbering() {}

    public static MethodIr apply(MethodIr ir) {
        List<Block> blocks = new ArrayList<>(ir.size());
        boolean changed = false;
        for (Block b : ir.blocks()) {
            Block numbered = number(b);
            changed |= numbered != b;
            blocks.add(numbered);
        }
        return changed ? new MethodIr(ir.owner(), ir.name(), ir.descriptor(), ir.isStatic(), ir.sourceFile(), ir.maxLocals(), blocks)
                : ir;
    }

    /** The block with repeated computations dropped, or the block itself when there is none. */
    private static Block number(Block b) {
        Map<Value, Value> replaced = new IdentityHashMap<>();
        Map<Value, Integer> ids = new IdentityHashMap<>();
        Map<String, Value> computed = new HashMap<>();
        List<String> loads = new ArrayList<>(); // keys of array loads, forgotten at a store or call
        List<Stmt> kept = new ArrayList<>();
        for (Stmt s : b.stmts()) {
            Stmt r = remap(s, replaced);
            int op = r.opcode();
            if (r.mayWriteMemory()) {
                for (String k : loads) computed.remove(k);
                loads.clear();
            }
            if (r.result() != null && (isPure(op) || isArrayLoad(op))) {
                String key = key(r, ids);
                Value earlier = computed.get(key);
                if (earlier != null) {
                    replaced.put(r.result(), earlier);
                    continue;
                }
                computed.put(key, r.result());
                if (isArrayLoad(op)) loads.add(key);
            }
            kept.add(r);
        }
        if (replaced.isEmpty()) return b;
        // a new block: its entry values are its own, so every value is mapped to the new block's
        Block out = new Block(b.index(), entryTypes(b));
        Map<Value, Value> map = new IdentityHashMap<>(replaced);
        for (Map.Entry<Integer, org.grad4j.transformer.ir.EntryValue> e : b.reads().entrySet()) {
            map.put(e.getValue(), out.read(e.getKey()));
        }
        for (Stmt s : kept) out.add(new Stmt(s.insn(), remap(s.args(), map), s.result(), s.line()));
        b.exitValues().forEach((slot, v) -> out.setExit(slot, map.getOrDefault(v, v)));
        Terminator t = b.terminator();
        out.setTerminator(new Terminator(t.kind(), t.insn(), remap(t.args(), map), t.successors(), t.line()));
        if (b.firstLine() > 0) out.setFirstLine(b.firstLine());
        return out;
    }

    private static org.objectweb.asm.Type[] entryTypes(Block b) {
        org.objectweb.asm.Type[] types = new org.objectweb.asm.Type[b.slotCount()];
        for (int s = 0; s < types.length; s++) types[s] = b.entryType(s);
        return types;
    }

    private static Stmt remap(Stmt s, Map<Value, Value> replaced) {
        if (replaced.isEmpty()) return s;
        List<Value> args = remap(s.args(), replaced);
        return args.equals(s.args()) ? s : new Stmt(s.insn(), args, s.result(), s.line());
    }

    private static List<Value> remap(List<Value> values, Map<Value, Value> replaced) {
        List<Value> out = new ArrayList<>(values.size());
        for (Value v : values) out.add(replaced.getOrDefault(v, v));
        return out;
    }

    /** The opcode and the operands' identities (constants by type and value). */
    private static String key(Stmt s, Map<Value, Integer> ids) {
        StringBuilder k = new StringBuilder().append(s.opcode());
        for (Value v : s.args()) {
            k.append(',');
            if (v instanceof Const c) k.append(c.type().getDescriptor()).append(c);
            else k.append('#').append(ids.computeIfAbsent(v, x -> ids.size()));
        }
        return k.toString();
    }

    /** Arithmetic, comparisons, conversions and array lengths: same operands, same result (or the same exception, first). */
    private static boolean isPure(int op) {
        return (op >= Opcodes.IADD && op <= Opcodes.LXOR) || (op >= Opcodes.I2L && op <= Opcodes.DCMPG)
                || op == Opcodes.ARRAYLENGTH;
    }

    private static boolean isArrayLoad(int op) {
        return op >= Opcodes.IALOAD && op <= Opcodes.SALOAD;
    }
}
