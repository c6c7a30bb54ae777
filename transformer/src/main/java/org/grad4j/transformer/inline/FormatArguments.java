package org.grad4j.transformer.inline;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.SourceInterpreter;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * The element stores of the {@code Object[]} javac makes for a formatting call's varargs
 * ({@code String.format("%s at %d", state, i)}, {@code printf}, {@code formatted}, a
 * {@code Formatter}, {@code MessageFormat}): arrays made here that go nowhere but into such a call
 * as its last argument, never read back. A value object stored into one is turned into text, as at
 * a {@link TextSinks} call, and is made again there ({@link ValueRewrite}).
 */
final class FormatArguments {
    private FormatArguments() {}

    /** The {@code aastore}s into such arrays; empty when the method has none. */
    static Set<AbstractInsnNode> stores(String owner, MethodNode method) {
        Set<AbstractInsnNode> stores = Collections.newSetFromMap(new IdentityHashMap<>());
        Uses uses = Uses.of(owner, method, m -> true);
        if (uses != null) for (Set<AbstractInsnNode> array : uses.formatArrays(method)) stores.addAll(uses.storesInto(array));
        return stores;
    }

    /**
     * The {@code aastore}s into such arrays of the elements their format string converts with
     * {@code %s} or {@code %S} (a constant format string of {@code java.util.Formatter}'s syntax,
     * a constant index): those the formatter turns into text by their {@code toString}.
     */
    static Set<AbstractInsnNode> stringConversions(MethodNode method) {
        Set<AbstractInsnNode> stores = Collections.newSetFromMap(new IdentityHashMap<>());
        Uses uses = Uses.of("java/lang/Object", method, m -> !isMessageFormat(m));
        if (uses == null) return stores;
        for (Set<AbstractInsnNode> array : uses.formatArrays(method)) {
            java.util.Map<Integer, Character> conversions = uses.conversions(array);
            if (conversions == null) continue;
            for (AbstractInsnNode store : uses.storesInto(array)) {
                Integer index = uses.constantIndex(store);
                Character conversion = index == null ? null : conversions.get(index);
                if (conversion != null && (conversion == 's' || conversion == 'S')) stores.add(store);
            }
        }
        return stores;
    }

    private static boolean isMessageFormat(MethodInsnNode m) {
        return m.owner.equals("java/text/MessageFormat");
    }

    /** {@code java.util.Formatter}'s format specifiers: explicit index, flags, width, precision, conversion. */
    private static final java.util.regex.Pattern SPECIFIER =
            java.util.regex.Pattern.compile("%(\\d+\\$)?([-#+ 0,(<]*)?(\\d+)?(\\.\\d+)?([tT])?([a-zA-Z%])");

    /** By argument index, the conversion of a format string's specifiers (the last one that takes it); null when unsure. */
    static java.util.Map<Integer, Character> conversions(String format) {
        java.util.Map<Integer, Character> byIndex = new java.util.HashMap<>();
        java.util.regex.Matcher m = SPECIFIER.matcher(format);
        int ordinary = 0;
        int last = -1;
        while (m.find()) {
            char conversion = m.group(6).charAt(0);
            if (m.group(5) == null && (conversion == '%' || conversion == 'n')) continue;
            String flags = m.group(2) == null ? "" : m.group(2);
            int index = m.group(1) != null ? Integer.parseInt(m.group(1).substring(0, m.group(1).length() - 1)) - 1
                    : flags.contains("<") ? last : ordinary++;
            if (index < 0) return null;
            Character before = byIndex.put(index, m.group(5) != null ? 't' : conversion);
            if (before != null && before != byIndex.get(index)) byIndex.put(index, '?'); // given to two conversions: left alone
            last = index;
        }
        return byIndex;
    }

    /** A JDK call that formats its last argument, an {@code Object[]}, into text. */
    private static boolean formats(MethodInsnNode m) {
        if (!m.desc.contains("[Ljava/lang/Object;)")) return false;
        return switch (m.owner) {
            case "java/lang/String" -> m.name.equals("format") || m.name.equals("formatted");
            case "java/io/PrintStream", "java/io/PrintWriter", "java/util/Formatter" -> m.name.equals("printf") || m.name.equals("format");
            case "java/text/MessageFormat" -> m.name.equals("format");
            default -> false;
        };
    }

    /** Every use of a value, by the instruction that uses it: a source interpreter that also records what is consumed how. */
    private static final class Uses extends SourceInterpreter {
        /** One use: the instruction, the value's operand position in it, and where the value may come from. */
        record Use(AbstractInsnNode insn, int position, Set<AbstractInsnNode> from) {}

        private final List<Use> uses = new ArrayList<>();

        Uses() {
            super(Opcodes.ASM9);
        }

        /** The uses of the method's values, when it makes a formatting call {@code wanted} accepts; else null. */
        static Uses of(String owner, MethodNode method, java.util.function.Predicate<MethodInsnNode> wanted) {
            boolean any = false;
            for (AbstractInsnNode insn : method.instructions) any |= insn instanceof MethodInsnNode m && formats(m) && wanted.test(m);
            if (!any) return null;
            Uses uses = new Uses();
            try {
                new Analyzer<>(uses).analyze(owner, method);
            } catch (AnalyzerException e) {
                return null; // ValueFlow's analysis reports the method
            }
            return uses;
        }

        /** Each {@code new Object[n]} of the method that is only filled and formatted, with its copies ({@link #aliases}). */
        List<Set<AbstractInsnNode>> formatArrays(MethodNode method) {
            List<Set<AbstractInsnNode>> arrays = new ArrayList<>();
            for (AbstractInsnNode insn : method.instructions) {
                if (insn.getOpcode() != Opcodes.ANEWARRAY || !((TypeInsnNode) insn).desc.equals("java/lang/Object")) continue;
                Set<AbstractInsnNode> array = aliases(insn);
                if (onlyFilledAndFormatted(array)) arrays.add(array);
            }
            return arrays;
        }

        private void used(AbstractInsnNode insn, int position, SourceValue v) {
            uses.add(new Use(insn, position, v.insns));
        }

        @Override
        public SourceValue copyOperation(AbstractInsnNode insn, SourceValue value) {
            used(insn, 0, value);
            return super.copyOperation(insn, value);
        }

        @Override
        public SourceValue unaryOperation(AbstractInsnNode insn, SourceValue value) {
            used(insn, 0, value);
            return super.unaryOperation(insn, value);
        }

        @Override
        public SourceValue binaryOperation(AbstractInsnNode insn, SourceValue a, SourceValue b) {
            used(insn, 0, a);
            used(insn, 1, b);
            return super.binaryOperation(insn, a, b);
        }

        @Override
        public SourceValue ternaryOperation(AbstractInsnNode insn, SourceValue a, SourceValue b, SourceValue c) {
            used(insn, 0, a);
            used(insn, 1, b);
            used(insn, 2, c);
            return super.ternaryOperation(insn, a, b, c);
        }

        @Override
        public SourceValue naryOperation(AbstractInsnNode insn, List<? extends SourceValue> values) {
            for (int i = 0; i < values.size(); i++) used(insn, i, values.get(i));
            return super.naryOperation(insn, values);
        }

        @Override
        public void returnOperation(AbstractInsnNode insn, SourceValue value, SourceValue expected) {
            used(insn, 0, value);
        }

        /** The array made at {@code made} and its copies by {@code dup}. */
        Set<AbstractInsnNode> aliases(AbstractInsnNode made) {
            Set<AbstractInsnNode> array = Collections.newSetFromMap(new IdentityHashMap<>());
            array.add(made);
            for (boolean grew = true; grew; ) {
                grew = false;
                for (Use u : uses) {
                    if (u.insn.getOpcode() == Opcodes.DUP && array.containsAll(u.from) && array.add(u.insn)) grew = true;
                }
            }
            return array;
        }

        /**
         * Whether the array is only copied by {@code dup}, stored into, and given to formatting calls as
         * their last argument, and every value that may be it is only it.
         */
        boolean onlyFilledAndFormatted(Set<AbstractInsnNode> array) {
            boolean formatted = false;
            for (Use u : uses) {
                if (Collections.disjoint(u.from, array)) continue;
                if (!array.containsAll(u.from)) return false; // merged with another value
                int op = u.insn.getOpcode();
                boolean last = u.insn instanceof MethodInsnNode m && formats(m) && u.position == Type.getArgumentTypes(m.desc).length
                        - (op == Opcodes.INVOKESTATIC ? 1 : 0);
                boolean fine = op == Opcodes.DUP || op == Opcodes.AASTORE && u.position == 0 || last;
                if (!fine) return false;
                formatted |= last;
            }
            return formatted;
        }

        /** The conversions of the constant format string the array is formatted with; null when not one constant. */
        java.util.Map<Integer, Character> conversions(Set<AbstractInsnNode> array) {
            String format = null;
            for (Use u : uses) {
                if (!(u.insn instanceof MethodInsnNode m) || !formats(m) || isMessageFormat(m) || !array.containsAll(u.from)) continue;
                String f = constantString(u.insn, u.position - 1); // the format string comes just before the array
                if (f == null || format != null && !format.equals(f)) return null;
                format = f;
            }
            return format == null ? null : FormatArguments.conversions(format);
        }

        private String constantString(AbstractInsnNode insn, int position) {
            for (Use u : uses) {
                if (u.insn == insn && u.position == position && u.from.size() == 1
                        && u.from.iterator().next() instanceof org.objectweb.asm.tree.LdcInsnNode ldc && ldc.cst instanceof String text) {
                    return text;
                }
            }
            return null;
        }

        /** The constant index of an {@code aastore}; null when it is not one. */
        Integer constantIndex(AbstractInsnNode store) {
            for (Use u : uses) {
                if (u.insn != store || u.position != 1 || u.from.size() != 1) continue;
                AbstractInsnNode i = u.from.iterator().next();
                int op = i.getOpcode();
                if (op >= Opcodes.ICONST_0 && op <= Opcodes.ICONST_5) return op - Opcodes.ICONST_0;
                if (op == Opcodes.BIPUSH || op == Opcodes.SIPUSH) return ((org.objectweb.asm.tree.IntInsnNode) i).operand;
            }
            return null;
        }

        /** The {@code aastore}s into the array. */
        List<AbstractInsnNode> storesInto(Set<AbstractInsnNode> array) {
            List<AbstractInsnNode> stores = new ArrayList<>();
            for (Use u : uses) {
                if (u.insn.getOpcode() == Opcodes.AASTORE && u.position == 0 && array.containsAll(u.from)) stores.add(u.insn);
            }
            return stores;
        }
    }
}
