package org.grad4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.GradientException;
import org.grad4j.ScalarFunction;
import org.grad4j.TransformException;
import org.grad4j.fuzz.run.InMemoryCompiler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Every construct grad4j refuses, with its message checked: the class and method, the exact
 * source line, the construct, and what to do instead — the table of docs/USER-GUIDE.md
 * ("Constructs grad4j refuses").
 *
 * <p>Most rows are methods of {@code src/test/resources/refusals/Refused.java} (and
 * {@code RefusedTensors.java}), compiled in-process; the line each refusal must name carries a
 * marker comment {@code REFUSED(method) construct | remedy}. Bytecode javac never writes
 * (irreducible loops, jsr/ret) is made with ASM. Bad arguments to {@code AD} get the same care
 * ({@link #badArgumentsNameWhatToPassInstead}).
 */
class RefusalTableIT {
    private static final Pattern MARKER = Pattern.compile("// (REFUSED|ACCEPTED)\\((\\w+)\\) (.*?)(?: \\| (.*))?$");
    private static final Pattern METHOD = Pattern.compile("^    (?:[\\w\\[\\]<>]+ )+(\\w+)\\(.*\\) *(?:throws [\\w., ]+)?\\{");

    @BeforeAll
    static void agent() {
        AD.install();
    }

    record Row(String file, String className, String kind, String method, String construct, String remedy, int line,
               String enclosing) {}

    @TestFactory
    Stream<DynamicTest> everyRefusalNamesClassMethodLineConstructAndRemedy() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (String file : List.of("Refused", "RefusedTensors")) {
            String src = resource("/refusals/" + file + ".java");
            InMemoryCompiler javac = new InMemoryCompiler(Differentiable.class, org.nd4j.linalg.api.ndarray.INDArray.class);
            Map<String, byte[]> classes = javac.compile("refusals", Map.of(file, src));
            ClassLoader loader = new InMemoryCompiler.MemoryLoader(RefusalTableIT.class.getClassLoader(), classes);
            Class<?> c = Class.forName("refusals." + file, true, loader);
            for (Row row : rows(file, src)) {
                tests.add(DynamicTest.dynamicTest(file + "." + row.method() + " (line " + row.line() + ")", () -> check(c, row)));
            }
        }
        assertTrue(tests.size() >= 22, "the table has " + tests.size() + " rows");
        return tests.stream();
    }

    static List<Row> rows(String file, String src) {
        String[] lines = src.split("\n");
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            Matcher m = MARKER.matcher(lines[i]);
            if (!m.find() || lines[i].trim().startsWith("*")) continue;
            String enclosing = null;
            for (int j = i; j >= 0 && enclosing == null; j--) {
                Matcher d = METHOD.matcher(lines[j]);
                if (d.find()) enclosing = d.group(1);
            }
            rows.add(new Row(file, "refusals." + file, m.group(1), m.group(2), m.group(3).trim(),
                    m.group(4) == null ? null : m.group(4).trim(), i + 1, enclosing));
        }
        return rows;
    }

    static void check(Class<?> c, Row row) throws Exception {
        Method m = null;
        for (Method k : c.getDeclaredMethods()) if (k.getName().equals(row.method())) m = k;
        assertNotNull(m, row.method());
        Object receiver = Modifier.isStatic(m.getModifiers()) ? null : c.getDeclaredConstructor().newInstance();
        Object[] args = new Object[m.getParameterCount()];
        for (int i = 0; i < args.length; i++) {
            Class<?> t = m.getParameterTypes()[i];
            args[i] = t == double.class ? 0.7 : t == double[].class ? new double[] {3, 1, 2} : null;
        }
        Method target = m;
        if (row.kind().equals("ACCEPTED")) {
            AD.gradient(target, receiver, args); // must not throw
            return;
        }
        TransformException e = assertThrows(TransformException.class, () -> AD.gradient(target, receiver, args));
        String msg = e.getMessage();
        String where = "grad4j cannot differentiate " + row.className() + "." + row.enclosing()
                + " (" + row.file() + ".java:" + row.line() + "): ";
        assertTrue(msg.startsWith(where), "names the class, the method and the line:\n  expected " + where + "\n  got      " + msg);
        String first = msg.split("\n")[0];
        assertTrue(first.contains(row.construct()), "names the construct '" + row.construct() + "': " + msg);
        int construct = first.indexOf(row.construct()) + row.construct().length();
        assertTrue(first.substring(construct).contains(row.remedy()), "says what to do ('" + row.remedy() + "'): " + msg);
        if (!row.enclosing().equals(row.method())) {
            assertTrue(msg.contains("\n    called from " + row.className() + "."), "names the call chain: " + msg);
            assertTrue(msg.contains(row.className() + "." + row.method() + " ("), "down from " + row.method() + ": " + msg);
        }
        System.out.println("refusal | " + row.file() + "." + row.method() + " | " + first);
    }

    // ---- bytecode javac never writes ----

    static final class Loader extends ClassLoader {
        Loader() {
            super(RefusalTableIT.class.getClassLoader());
        }

        Class<?> define(byte[] b) {
            return defineClass(null, b, 0, b.length);
        }
    }

    /** {@code f(D)D} whose loop has two entries: {@code if (x > 0) goto B; A: x *= 2; B: x += 1; if (x < 10) goto A;}. */
    static byte[] irreducible(String name) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, name, null, "java/lang/Object", null);
        cw.visitSource("Irreducible.java", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "f", "(D)D", null, null);
        mv.visitAnnotation("Lorg/grad4j/Differentiable;", true).visitEnd();
        mv.visitCode();
        Label start = new Label(), a = new Label(), b = new Label();
        mv.visitLabel(start);
        mv.visitLineNumber(10, start);
        mv.visitVarInsn(Opcodes.DLOAD, 0);
        mv.visitInsn(Opcodes.DCONST_0);
        mv.visitInsn(Opcodes.DCMPL);
        mv.visitJumpInsn(Opcodes.IFGT, b);
        mv.visitLabel(a);
        mv.visitLineNumber(11, a);
        mv.visitVarInsn(Opcodes.DLOAD, 0);
        mv.visitLdcInsn(2.0);
        mv.visitInsn(Opcodes.DMUL);
        mv.visitVarInsn(Opcodes.DSTORE, 0);
        mv.visitLabel(b);
        mv.visitLineNumber(12, b);
        mv.visitVarInsn(Opcodes.DLOAD, 0);
        mv.visitInsn(Opcodes.DCONST_1);
        mv.visitInsn(Opcodes.DADD);
        mv.visitVarInsn(Opcodes.DSTORE, 0);
        mv.visitVarInsn(Opcodes.DLOAD, 0);
        mv.visitLdcInsn(10.0);
        mv.visitInsn(Opcodes.DCMPG);
        mv.visitJumpInsn(Opcodes.IFLT, a);
        mv.visitVarInsn(Opcodes.DLOAD, 0);
        mv.visitInsn(Opcodes.DRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    /** A Java 5 class whose {@code f(D)D} calls a jsr/ret subroutine (what javac 1.4 made of finally). */
    static byte[] subroutine(String name) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V1_5, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, name, null, "java/lang/Object", null);
        cw.visitSource("Subroutine.java", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "f", "(D)D", null, null);
        mv.visitAnnotation("Lorg/grad4j/Differentiable;", true).visitEnd();
        mv.visitCode();
        Label start = new Label(), sub = new Label();
        mv.visitLabel(start);
        mv.visitLineNumber(20, start);
        mv.visitJumpInsn(Opcodes.JSR, sub);
        mv.visitVarInsn(Opcodes.DLOAD, 0);
        mv.visitVarInsn(Opcodes.DLOAD, 0);
        mv.visitInsn(Opcodes.DMUL);
        mv.visitInsn(Opcodes.DRETURN);
        mv.visitLabel(sub);
        mv.visitLineNumber(21, sub);
        mv.visitVarInsn(Opcodes.ASTORE, 2);
        mv.visitVarInsn(Opcodes.RET, 2);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    static Method f(Class<?> c) throws NoSuchMethodException {
        return c.getMethod("f", double.class);
    }

    @Test
    void irreducibleControlFlow() throws Exception {
        Class<?> c = new Loader().define(irreducible("refusals/Irreducible"));
        assertEquals(19.0, (Double) f(c).invoke(null, 3.0), 0); // runs as plain code: 3 → 4 → 8 → 9 → 18 → 19
        TransformException e = assertThrows(TransformException.class, () -> AD.gradient(f(c), null, 3.0));
        assertTrue(e.getMessage().startsWith("grad4j cannot differentiate refusals.Irreducible.f (Irreducible.java:1"), e.getMessage());
        assertTrue(e.getMessage().contains("irreducible control flow"), e.getMessage());
        System.out.println("refusal | Irreducible.f | " + e.getMessage());
    }

    @Test
    void jsrRetSubroutines() throws Exception {
        Class<?> c = new Loader().define(subroutine("refusals/Subroutine"));
        assertEquals(9.0, (Double) f(c).invoke(null, 3.0), 0);
        TransformException e = assertThrows(TransformException.class, () -> AD.gradient(f(c), null, 3.0));
        assertTrue(e.getMessage().startsWith("grad4j cannot differentiate refusals.Subroutine.f (Subroutine.java:20): "
                + "a jsr/ret subroutine"), e.getMessage());
        assertTrue(e.getMessage().contains("Recompile"), e.getMessage());
        System.out.println("refusal | Subroutine.f | " + e.getMessage());
    }

    @Test
    void aHelperWhoseBytecodeDoesNotVerify() throws Exception {
        // Damaged.h(D)D adds an int to a double; Caller.f calls it. The JVM would reject Damaged when
        // linking it; grad4j reads it first (the gradient of f needs it) and must say what is wrong.
        ClassWriter cw = new ClassWriter(0);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, "refusals/Damaged", null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "h", "(D)D", null, null);
        mv.visitCode();
        mv.visitVarInsn(Opcodes.DLOAD, 0);
        mv.visitInsn(Opcodes.ICONST_1);
        mv.visitInsn(Opcodes.DADD);
        mv.visitInsn(Opcodes.DRETURN);
        mv.visitMaxs(4, 2);
        mv.visitEnd();
        cw.visitEnd();
        byte[] damaged = cw.toByteArray();
        ClassWriter caller = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        caller.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, "refusals/CallsDamaged", null, "java/lang/Object", null);
        caller.visitSource("CallsDamaged.java", null);
        mv = caller.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "f", "(D)D", null, null);
        mv.visitAnnotation("Lorg/grad4j/Differentiable;", true).visitEnd();
        mv.visitCode();
        Label l = new Label();
        mv.visitLabel(l);
        mv.visitLineNumber(30, l);
        mv.visitVarInsn(Opcodes.DLOAD, 0);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, "refusals/Damaged", "h", "(D)D", false);
        mv.visitInsn(Opcodes.DRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        caller.visitEnd();
        Map<String, byte[]> classes = Map.of("refusals.Damaged", damaged, "refusals.CallsDamaged", caller.toByteArray());
        ClassLoader loader = new InMemoryCompiler.MemoryLoader(RefusalTableIT.class.getClassLoader(), classes);
        Class<?> c = Class.forName("refusals.CallsDamaged", true, loader);
        TransformException e = assertThrows(TransformException.class, () -> AD.gradient(f(c), null, 3.0));
        assertTrue(e.getMessage().startsWith("grad4j cannot analyse refusals.Damaged.h(D)D: "), e.getMessage());
        assertTrue(e.getMessage().contains("not produced by javac or is damaged"), e.getMessage());
        assertTrue(e.getMessage().contains("called from refusals.CallsDamaged.f (CallsDamaged.java:30)"), e.getMessage());
        System.out.println("refusal | Damaged.h | " + e.getMessage());
    }

    // ---- bad arguments to AD ----

    static native double nativeMethod(double x);

    @Differentiable
    static int returnsInt(double x) {
        return (int) x;
    }

    @Differentiable
    double instanceMethod(double x) {
        return x * x;
    }

    static double network(double x, DoubleUnaryOperator out) {
        return out.applyAsDouble(x * 2);
    }

    @Test
    void badArgumentsNameWhatToPassInstead() throws Exception {
        Map<String, Executable> cases = new java.util.LinkedHashMap<>();
        Class<?> me = RefusalTableIT.class;
        cases.put("returns int; grad4j differentiates methods that return double or float",
                () -> AD.gradient(me.getDeclaredMethod("returnsInt", double.class), null, 1.0));
        cases.put("is native, so it has no bytecode to differentiate",
                () -> AD.gradient(me.getDeclaredMethod("nativeMethod", double.class), null, 1.0));
        cases.put("is an instance method; pass the object to call it on as the receiver",
                () -> AD.gradient(me.getDeclaredMethod("instanceMethod", double.class), null, 1.0));
        cases.put("takes 1 argument(s)", () -> AD.gradient(me.getDeclaredMethod("instanceMethod", double.class), this, 1.0, 2.0));
        cases.put("which does not convert to double",
                () -> AD.gradient(me.getDeclaredMethod("instanceMethod", double.class), this, "1.0"));
        cases.put("the function to differentiate is null", () -> AD.derivative((ScalarFunction) null, 1.0));
        // (a plain lambda received as DoubleUnaryOperator is differentiated now: its site in the creating class names its code)
        cases.put("bootstrap class loader", () -> AD.derivative(Math::nextUp, 1.0)); // Math::sin has a stand-in: MathReferences
        cases.put("the point x to take the gradient at is null", () -> AD.gradient(w -> w[0], null));
        for (Map.Entry<String, Executable> c : cases.entrySet()) {
            GradientException e = assertThrows(GradientException.class, c.getValue()::run, c.getKey());
            assertTrue(e.getMessage().contains(c.getKey()), "expected '" + c.getKey() + "' in: " + e.getMessage());
            assertFalse(e.getMessage().contains("internal error"), e.getMessage());
            System.out.println("bad argument | " + e.getClass().getSimpleName() + " | " + e.getMessage().split("\n")[0]);
        }
    }

    interface Executable {
        void run() throws Throwable;
    }

    static String resource(String path) throws IOException {
        try (InputStream in = RefusalTableIT.class.getResourceAsStream(path)) {
            assertNotNull(in, path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
