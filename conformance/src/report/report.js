(function(){
  var t=document.getElementById('scen'), c=document.getElementById('controls');
  if(!t||!c) return;
  c.hidden=false;
  var q=document.getElementById('q'), sub=document.getElementById('sub'),
      diff=document.getElementById('diff'), fail=document.getElementById('fail'),
      shown=document.getElementById('shown'), rows=[].slice.call(t.tBodies[0].rows);
  function apply(){
    var s=q.value.toLowerCase(), n=0;
    rows.forEach(function(r){
      var ok=(!s||r.textContent.toLowerCase().indexOf(s)>=0)
        &&(!sub.value||r.getAttribute('data-sub')===sub.value)
        &&(!diff.checked||r.getAttribute('data-diff')==='1')
        &&(!fail.checked||r.getAttribute('data-fail')==='1');
      r.style.display=ok?'':'none'; if(ok) n++;
    });
    shown.textContent=n+' of '+rows.length+' shown';
  }
  [q,sub,diff,fail].forEach(function(e){e.addEventListener('input',apply);e.addEventListener('change',apply);});
  [].forEach.call(t.tHead.rows[0].cells,function(th,i){
    if(!th.hasAttribute('data-sort')) return;
    th.addEventListener('click',function(){
      var dir=th.getAttribute('data-dir')==='asc'?-1:1; th.setAttribute('data-dir',dir>0?'asc':'desc');
      rows.sort(function(a,b){return dir*a.cells[i].textContent.localeCompare(b.cells[i].textContent);});
      rows.forEach(function(r){t.tBodies[0].appendChild(r);});
    });
  });
  apply();
})();
