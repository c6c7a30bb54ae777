package org.grad4j.transformer.codegen;

import java.util.IdentityHashMap;
import java.util.Map;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.analysis.Callee;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;

/**
 * The statements {@code a[i] += u} and {@code a[i] -= u} of one block: an element read, an
 * addition (or subtraction) of {@code u}, and the store of the sum into the same element.
 *
 * <p>Their reverse, statement by statement, takes the element's adjoint out of the shadow
 * ({@code d = shadow[i]; shadow[i] = 0}), hands it to the sum's two operands, and adds the read's
 * share back ({@code shadow[i] += d}): the shadow ends as it was, and only {@code u} gains
 * {@code ±shadow[i]}. Emitted that way, the reverse reads the shadow once instead of loading and
 * storing it three times, and a loop accumulating into an array ({@code qxc[j] += p[l] * xc[i]}
 * in GMM's triangle) carries no store-load chain through the shadow.
 *
 * <p>Sound when the statements between the read and the store add to adjoints only in reverse
 * (arithmetic, element reads, calls with rules): those additions commute with leaving the
 * shadow in place, even where their arrays alias {@code a}.
 */
final class InPlaceAccumulations {
    /** One {@code a[i] ±= u}: its store, the read and the sum it replaces, and {@code u}. */
    record Accumulation(Stmt store, Stmt read, Stmt sum, Value addend, boolean subtracted) {}

    private final Map<Stmt, Accumulation> byStore = new IdentityHashMap<>();
    private final Map<Stmt, Boolean> absorbed = new IdentityHashMap<>();

    InPlaceAccumulations(Block b, Activity activity) {
        Map<Value, Integer> uses = new IdentityHashMap<>();
        for (Stmt s : b.stmts()) for (Value a : s.args()) uses.merge(a, 1, Integer::sum);
        for (Value v : b.exitValues().values()) uses.merge(v, 1, Integer::sum);
        for (Value v : b.terminator().args()) uses.merge(v, 1, Integer::sum);
        Map<Value, Integer> defined = new IdentityHashMap<>();
        for (int k = 0; k < b.stmts().size(); k++) if (b.stmts().get(k).result() != null) defined.put(b.stmts().get(k).result(), k);
        for (int k = 0; k < b.stmts().size(); k++) {
            Stmt store = b.stmts().get(k);
            if (store.opcode() != Opcodes.DASTORE && store.opcode() != Opcodes.FASTORE) continue;
            Integer at = defined.get(store.arg(2));
            if (at == null || uses.get(store.arg(2)) != 1) continue;
            Stmt sum = b.stmts().get(at);
            boolean add = sum.opcode() == Opcodes.DADD || sum.opcode() == Opcodes.FADD;
            boolean sub = sum.opcode() == Opcodes.DSUB || sum.opcode() == Opcodes.FSUB;
            if (!add && !sub) continue;
            for (int side = 0; side < (add ? 2 : 1); side++) { // t + u, u + t; t - u only
                Integer r = defined.get(sum.arg(side));
                if (r == null || uses.get(sum.arg(side)) != 1) continue;
                Stmt read = b.stmts().get(r);
                boolean sameElement = (read.opcode() == Opcodes.DALOAD || read.opcode() == Opcodes.FALOAD)
                        && read.arg(0) == store.arg(0) && read.arg(1) == store.arg(1);
                if (!sameElement || !onlyAdditiveBetween(b, r, k, activity)) continue;
                Accumulation a = new Accumulation(store, read, sum, sum.arg(1 - side), sub);
                byStore.put(store, a);
                absorbed.put(read, Boolean.TRUE);
                absorbed.put(sum, Boolean.TRUE);
                break;
            }
        }
    }

    /** The accumulation {@code store} completes, or null. */
    Accumulation at(Stmt store) {
        return byStore.get(store);
    }

    /** Whether {@code s} is the read or the sum of an accumulation: its reverse is the store's. */
    boolean absorbs(Stmt s) {
        return absorbed.containsKey(s);
    }

    /** Whether every statement strictly between {@code from} and {@code to} only adds to adjoints in reverse. */
    private static boolean onlyAdditiveBetween(Block b, int from, int to, Activity activity) {
        for (int k = from + 1; k < to; k++) {
            Stmt s = b.stmts().get(k);
            int op = s.opcode();
            boolean additive = (op >= Opcodes.ACONST_NULL && op <= Opcodes.SALOAD) // constants, loads, element reads
                    || (op >= Opcodes.IADD && op <= Opcodes.DCMPG) // arithmetic, conversions, comparisons
                    || op == Opcodes.IINC || op == Opcodes.CHECKCAST || op == Opcodes.ARRAYLENGTH
                    || (s.isInvoke() && activity.callee(s) instanceof Callee.Ruled);
            if (!additive) return false;
        }
        return true;
    }
}
