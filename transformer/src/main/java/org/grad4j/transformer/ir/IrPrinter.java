package org.grad4j.transformer.ir;

import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.util.Printer;

/** Renders the IR as text: tests compare it, errors and {@code -Dgrad4j.dump} show it. */
public final class IrPrinter {
    private IrPrinter() {}

    public static String print(MethodIr ir) {
        return print(ir, v -> false);
    }

    /** Prints the method, marking active values with {@code *}. */
    public static String print(MethodIr ir, Predicate<Value> active) {
        StringBuilder sb = new StringBuilder();
        sb.append(ir.displayName()).append(ir.descriptor()).append('\n');
        for (Block b : ir.blocks()) {
            sb.append("b").append(b.index()).append(":\n");
            for (Stmt s : b.stmts()) {
                sb.append("  ").append(statement(s, active)).append('\n');
            }
            if (!b.exitValues().isEmpty()) {
                sb.append("  exit ").append(b.exitValues().entrySet().stream()
                        .map(e -> "s" + e.getKey() + "=" + name(e.getValue(), active))
                        .collect(Collectors.joining(", "))).append('\n');
            }
            sb.append("  ").append(terminator(b.terminator(), active)).append('\n');
        }
        return sb.toString();
    }

    public static String statement(Stmt s) {
        return statement(s, v -> false);
    }

    static String statement(Stmt s, Predicate<Value> active) {
        StringBuilder sb = new StringBuilder();
        if (s.result() != null) sb.append(name(s.result(), active)).append(" = ");
        sb.append(instruction(s.insn(), s.isNewInit()));
        if (!s.args().isEmpty()) {
            sb.append(' ').append(s.args().stream().map(v -> name(v, active)).collect(Collectors.joining(", ")));
        }
        return sb.toString();
    }

    private static String terminator(Terminator t, Predicate<Value> active) {
        String args = t.args().stream().map(v -> name(v, active)).collect(Collectors.joining(", "));
        String targets = java.util.Arrays.stream(t.successors()).mapToObj(i -> "b" + i).collect(Collectors.joining(", "));
        return switch (t.kind()) {
            case GOTO -> "goto " + targets;
            case BRANCH -> Printer.OPCODES[t.insn().getOpcode()].toLowerCase() + " " + args + " -> " + targets;
            case SWITCH -> "switch " + args + " -> " + targets;
            case RETURN -> "return" + (args.isEmpty() ? "" : " " + args);
            case THROW -> "throw " + args;
        };
    }

    private static String instruction(AbstractInsnNode insn, boolean newInit) {
        String op = Printer.OPCODES[insn.getOpcode()].toLowerCase();
        if (insn instanceof MethodInsnNode m) {
            return (newInit ? "new " + m.owner.substring(m.owner.lastIndexOf('/') + 1) : op + " "
                    + m.owner.substring(m.owner.lastIndexOf('/') + 1) + "." + m.name) + m.desc;
        }
        if (insn instanceof FieldInsnNode f) return op + " " + f.owner.substring(f.owner.lastIndexOf('/') + 1) + "." + f.name;
        if (insn instanceof TypeInsnNode t) return op + " " + t.desc;
        if (insn instanceof InvokeDynamicInsnNode d) return op + " " + d.name + d.desc;
        if (insn instanceof IincInsnNode i) return "iadd_const " + i.incr;
        return op;
    }

    private static String name(Value v, Predicate<Value> active) {
        return v + (active.test(v) ? "*" : "");
    }

    static String slots(Map<Integer, ? extends Value> m) {
        return m.toString();
    }
}
