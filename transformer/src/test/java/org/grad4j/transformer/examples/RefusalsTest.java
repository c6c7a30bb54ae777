package org.grad4j.transformer.examples;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.grad4j.TransformException;
import org.grad4j.transformer.ClassFileLocator;
import org.grad4j.transformer.Transformer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.objectweb.asm.Type;

/** Every refusal names the class, method, source line, the construct and a remedy. */
class RefusalsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "storesField|store of a differentiable value into field Refused.field|Keep differentiable values",
        "storesWorkArray|store of an array that holds (or will hold) differentiable values into field Refused.work|Keep the work array local",
        "tryCatch|try/catch|Move the try/catch",
        "monitor|synchronized block|lock around the AD call",
        "synchronizedMethod|a synchronized method|remove 'synchronized'",
        "callsJdkWithoutRule|call of Double.sum with a differentiable argument: it is a JDK method grad4j has no rule for|Register a custom rule for Double.sum",
        "badHelperTwoDeep|Refused.helperWithTryCatch|called from org.grad4j.transformer.examples.Refused.middle (Refused.java:",
        "keepsInJdkObject|call of DoubleAdder.add with a differentiable value (it is a JDK method grad4j has no rule for; it returns nothing and may keep the value|Accumulate in a local double",
        "accumulatesInStatistics|call of DoubleSummaryStatistics.accept with a differentiable value|Accumulate in a local double",
        "parsedFromText|a number parsed from text (Double.parseDouble) in a method that turns a differentiable value into text|use Math.rint, Math.round or Math.floor",
        "boxes|call of List.add with a differentiable boxed value|pass a primitive double",
        // a list of records works; this one's next element is made from the last, at the same place, while in the list
        "recordsInAList|a constructor call with differentiable arguments (new Heading(...)): the Heading made on line|An object made in the differentiated method",
        "recordsInAList|is made while another it shares a home with is still in use|also in arrays made there",
        "bits|bit reinterpretation|custom rule",
        "lambdaCapture|lambda or dynamic call capturing a differentiable value|named method",
        "returnsInt|returning int|Return a double or float",
        "genericParameter|a differentiable double[] passed to Refused.Fn.apply as java.lang.Object|Declare the parameter as double[]",
        "gradientInside|call of AD.gradient with a differentiable array|Compute the inner gradient outside the differentiated code",
        "boxedGenericParameter|a differentiable java.lang.Double passed to Function.apply as java.lang.Object|Use a function type on double: DoubleUnaryOperator",
        "jdkGenericParameter|a differentiable double[] passed to ToDoubleFunction.applyAsDouble as java.lang.Object|org.grad4j.VectorFunction",
    })
    void refusalNamesWhereWhatAndRemedy(String method, String construct, String remedy) throws Exception {
        String desc = Type.getMethodDescriptor(Refused.class.getDeclaredMethod(method, method.equals("returnsInt")
                ? new Class<?>[] {double.class} : new Class<?>[] {double.class}));
        TransformException e = assertThrows(TransformException.class, () ->
                new Transformer(ClassFileLocator.of(Refused.class.getClassLoader()))
                        .generate(Type.getInternalName(Refused.class), method, desc));
        String m = e.getMessage();
        assertTrue(m.contains("org.grad4j.transformer.examples.Refused." + method), m);
        assertTrue(m.contains(construct), m);
        assertTrue(m.contains(remedy), m);
        if (!method.equals("returnsInt")) assertTrue(m.matches("(?s).*\\(Refused\\.java:\\d+\\).*"), "line number: " + m);
    }

    /** A JDK call that only prints a differentiable value is not refused like one that may keep it. */
    @org.junit.jupiter.api.Test
    void printingADifferentiableValueIsNotKeepingIt() throws Exception {
        new Transformer(ClassFileLocator.of(Refused.class.getClassLoader()))
                .generate(Type.getInternalName(Refused.class), "prints", "(D)D");
    }

    /** Numbers parsed from constant text, in a method that turns no differentiable value into text, are data as before. */
    @org.junit.jupiter.api.Test
    void numbersParsedFromConstantTextAreAllowed() throws Exception {
        new Transformer(ClassFileLocator.of(Refused.class.getClassLoader()))
                .generate(Type.getInternalName(Refused.class), "parsesOnlyConstants", "(D)D");
    }

    /** A lambda that only wraps a checked exception cannot move its try/catch: the refusal names the Method route. */
    @org.junit.jupiter.api.Test
    void aTryCatchInALambdaPointsToTheMethodRoute() throws Exception {
        org.objectweb.asm.tree.ClassNode c = new org.objectweb.asm.tree.ClassNode();
        new org.objectweb.asm.ClassReader(Refused.class.getName()).accept(c, 0);
        org.objectweb.asm.tree.MethodNode lambda = c.methods.stream()
                .filter(m -> m.name.startsWith("lambda$catchesInLambda")).findFirst().orElseThrow();
        TransformException e = assertThrows(TransformException.class, () ->
                new Transformer(ClassFileLocator.of(Refused.class.getClassLoader()))
                        .generate(Type.getInternalName(Refused.class), lambda.name, lambda.desc));
        String m = e.getMessage();
        assertTrue(m.contains("try/catch") && m.contains("Move the try/catch"), m);
        assertTrue(m.contains("AD.gradient(Method, receiver, args)"), m);
    }

    /**
     * {@code if (o instanceof Point(double x, double y))}, as javac 21+ compiles it: the accessor
     * calls sit in a try/catch whose handler throws a new MatchException. The user wrote no
     * try/catch, so the refusal names the record pattern. (Made with ASM: the build's javac is 17.)
     */
    @org.junit.jupiter.api.Test
    void aRecordPatternIsNamedAsSuch() {
        org.objectweb.asm.ClassWriter w = new org.objectweb.asm.ClassWriter(org.objectweb.asm.ClassWriter.COMPUTE_FRAMES
                | org.objectweb.asm.ClassWriter.COMPUTE_MAXS);
        w.visit(org.objectweb.asm.Opcodes.V21, org.objectweb.asm.Opcodes.ACC_PUBLIC, "patterns/Shapes", null, "java/lang/Object", null);
        w.visitSource("Shapes.java", null);
        var m = w.visitMethod(org.objectweb.asm.Opcodes.ACC_STATIC, "f", "(D)D", null, null);
        m.visitCode();
        org.objectweb.asm.Label start = new org.objectweb.asm.Label(), end = new org.objectweb.asm.Label(),
                handler = new org.objectweb.asm.Label();
        m.visitTryCatchBlock(start, end, handler, "java/lang/Throwable");
        m.visitLabel(start);
        m.visitLineNumber(12, start);
        m.visitVarInsn(org.objectweb.asm.Opcodes.DLOAD, 0);
        m.visitLabel(end);
        m.visitInsn(org.objectweb.asm.Opcodes.DRETURN);
        m.visitLabel(handler);
        m.visitVarInsn(org.objectweb.asm.Opcodes.ASTORE, 2);
        m.visitTypeInsn(org.objectweb.asm.Opcodes.NEW, "java/lang/MatchException");
        m.visitInsn(org.objectweb.asm.Opcodes.DUP);
        m.visitVarInsn(org.objectweb.asm.Opcodes.ALOAD, 2);
        m.visitMethodInsn(org.objectweb.asm.Opcodes.INVOKEVIRTUAL, "java/lang/Throwable", "toString", "()Ljava/lang/String;", false);
        m.visitVarInsn(org.objectweb.asm.Opcodes.ALOAD, 2);
        m.visitMethodInsn(org.objectweb.asm.Opcodes.INVOKESPECIAL, "java/lang/MatchException", "<init>",
                "(Ljava/lang/String;Ljava/lang/Throwable;)V", false);
        m.visitInsn(org.objectweb.asm.Opcodes.ATHROW);
        m.visitMaxs(0, 0);
        m.visitEnd();
        w.visitEnd();
        byte[] bytes = w.toByteArray();
        ClassFileLocator fallback = ClassFileLocator.of(RefusalsTest.class.getClassLoader());
        TransformException e = assertThrows(TransformException.class, () ->
                new Transformer(name -> name.equals("patterns/Shapes") ? bytes : fallback.bytesOf(name)).generate("patterns/Shapes", "f", "(D)D"));
        String msg = e.getMessage();
        assertTrue(msg.startsWith("grad4j cannot differentiate patterns.Shapes.f (Shapes.java:12): a record pattern"), msg);
        assertTrue(msg.contains("instanceof Point p"), msg);
    }
}
