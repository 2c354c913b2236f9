using Differentiable.Generators.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Differentiable.Generators.Diagnostics;

/// <summary>A diagnostic as equatable values; it becomes a <see cref="Diagnostic"/> only at output.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(descriptor.Id, location, EquatableArray.Create(arguments));

    public Diagnostic ToDiagnostic(Compilation? compilation)
    {
        var descriptor = DiagnosticDescriptors.ById(Id);
        var arguments = new object[Arguments.Count];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = Arguments[i];
        }

        return Diagnostic.Create(descriptor, Location?.ToLocation(compilation) ?? Microsoft.CodeAnalysis.Location.None, arguments);
    }
}
