export declare function sourceHash(file: string): string;
export declare function freshBuild(root: string): string | undefined;
