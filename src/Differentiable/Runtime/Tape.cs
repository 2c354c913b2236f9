using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Differentiable.Runtime;

/// <summary>
/// The per-thread store that generated reverse-mode code uses to keep values its forward sweep overwrites and its
/// reverse sweep needs. Storage is pooled: after the first calls have grown it, a gradient allocates nothing.
/// Pushes and pops are strictly nested (last in, first out), so one tape serves nested and recursive calls. A generated
/// method takes a <see cref="Mark"/> on entry and, when an exception ends it, resets the tape to that mark.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class Tape
{
    [ThreadStatic]
    private static Tape? current;

    private double[] doubles = new double[64];
    private int doubleCount;
    private int[] integers = new int[16];
    private int integerCount;
    private object?[] references = new object?[16];
    private int referenceCount;

    /// <summary>The calling thread's tape.</summary>
    public static Tape Current => current ??= new Tape();

    /// <summary>Number of doubles held.</summary>
    public int DoubleCount => doubleCount;

    /// <summary>Number of integers and booleans held.</summary>
    public int IntegerCount => integerCount;

    /// <summary>Number of array references held.</summary>
    public int ReferenceCount => referenceCount;

    /// <summary>Saves a double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(double value)
    {
        if (doubleCount == doubles.Length)
        {
            Array.Resize(ref doubles, doubles.Length * 2);
        }

        doubles[doubleCount++] = value;
    }

    /// <summary>Restores the last double saved.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double PopDouble() => doubles[--doubleCount];

    /// <summary>Saves an integer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(int value)
    {
        if (integerCount == integers.Length)
        {
            Array.Resize(ref integers, integers.Length * 2);
        }

        integers[integerCount++] = value;
    }

    /// <summary>Restores the last integer saved.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int PopInt32() => integers[--integerCount];

    /// <summary>Saves a boolean (a branch taken).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(bool value) => Push(value ? 1 : 0);

    /// <summary>Restores the last boolean saved.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool PopBoolean() => PopInt32() != 0;

    /// <summary>Saves an array reference (arrays replaced, not written, need only their reference kept).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PushReference(object? value)
    {
        if (referenceCount == references.Length)
        {
            Array.Resize(ref references, references.Length * 2);
        }

        references[referenceCount++] = value;
    }

    /// <summary>Restores the last array reference saved.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T PopReference<T>()
        where T : class
    {
        var value = references[--referenceCount];
        references[referenceCount] = null;
        return (T)value!;
    }

    /// <summary>How much the tape holds now; generated code takes it on entry and returns to it when an exception ends the call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TapeMark Mark() => new(doubleCount, integerCount, referenceCount);

    /// <summary>Drops everything pushed since <paramref name="mark"/> was taken.</summary>
    public void Reset(TapeMark mark) => Reset(mark.Doubles, mark.Integers, mark.References);

    /// <summary>Drops everything above the given marks (a sweep left early by an exception leaves nothing behind).</summary>
    public void Reset(int doubleMark, int integerMark, int referenceMark)
    {
        doubleCount = doubleMark;
        integerCount = integerMark;
        if (referenceCount > referenceMark)
        {
            Array.Clear(references, referenceMark, referenceCount - referenceMark);
        }

        referenceCount = referenceMark;
    }
}

/// <summary>The counts a <see cref="Tape"/> held at one moment (see <see cref="Tape.Mark"/>).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct TapeMark
{
    internal TapeMark(int doubles, int integers, int references)
    {
        Doubles = doubles;
        Integers = integers;
        References = references;
    }

    /// <summary>Number of doubles held.</summary>
    public int Doubles { get; }

    /// <summary>Number of integers and booleans held.</summary>
    public int Integers { get; }

    /// <summary>Number of array references held.</summary>
    public int References { get; }
}
