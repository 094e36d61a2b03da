export const id = 957;
export const ids = [957];
export const modules = {

/***/ 957:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   main: () => (/* binding */ main)
/* harmony export */ });
function main(argv) {
    process.stdout.write(`k0rdent-deploy ${argv.join(' ')}\n`);
    return Promise.resolve(0);
}


/***/ })

};
